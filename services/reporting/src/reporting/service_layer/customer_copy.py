"""The local copy of the customers, kept from the customer service's customer.* events: who they are (with only
the personal data a report shows), what they are counted by, merges and their undo, erasure.

A customer's activity (visits, spend, last visit, vehicles owned) is counted from the visit and vehicle
records (reporting.service_layer.vehicles_and_visits keeps those).
"""
from __future__ import annotations

from typing import Any

from servicekit.db import flush_erased
from servicekit.events import Event
from sqlalchemy.orm import Session

from reporting.adapters import record_cache, record_queries
from reporting.adapters.tables import appointments, complaints, customers, merges, reminders, vehicles, visits
from reporting.domain.event_values import purchase_type
from reporting.service_layer.record_keeping import ANY_MERGES, DEFER_TALLIES, local_day, row, save, survivor

PERSONAL = ("name", "phone")
#: The records that count for a customer, and those of them counted under the customer's store.
DEPENDENTS = (vehicles, visits, complaints, reminders, appointments)
FOLLOW_CUSTOMER_STORE = (vehicles, visits)
KEPT = ("name", "phone", "store_id", "kind", "stage", "source", "owner", "wanted_model", "industry", "intent_grade",
        "tier")


def _customer_values(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a customer's data that the read model keeps (only those present in `data`)."""
    values = {name: data[name] for name in KEPT if name in data}
    if "key_customer" in data:
        values["key_customer"] = bool(data["key_customer"])
    if "region" in data:
        region = data["region"] or {}
        values.update(province=region.get("province"), city=region.get("city"), district=region.get("district"))
    said, words = purchase_type(data)
    if said:
        values["purchase_type"] = words
    return values


def customer_created(session: Session, event: Event) -> None:
    data = event.data
    before = row(session, customers, data["id"])
    values = _customer_values(data)
    survivor_id, merged_from = survivor(session, data["id"])
    merged_into = survivor_id if merged_from else None
    after = {"vehicles": 0, "visit_count": 0, "spend_fen": 0, "key_customer": False, "erased": False,
             **(before or {}), **values, "id": data["id"], "version": data.get("version", 1),
             "first_kind": (before or {}).get("first_kind") or data["kind"],
             "created_day": local_day(data.get("created_at") or event.time), "merged_into": merged_into}
    if after.get("erased"):
        after.update(dict.fromkeys(PERSONAL))
    _set_store(session, before, after)
    if before is None and _recorded_before(session, data["id"]):
        _rehome(session, data["id"], after.get("store_id"))  # recorded for no store: the customer's was not known
        refresh_activity(session, data["id"])
        refresh_vehicles(session, data["id"])  # the model of their vehicle, as if it had come after


def _recorded_before(session: Session, customer_id: str) -> bool:
    """Whether vehicles or visits of the customer were recorded before the customer was: events may overtake
    each other (two relays publishing, a delivery sent round again), and those counted for nobody then."""
    if record_cache.holds(session, (vehicles, visits), "customer_id", customer_id):
        return True
    if session.info.get(DEFER_TALLIES):  # a bulk load: every record is in this transaction's hands
        return False
    if record_cache.knows_all(session, (vehicles, visits), "customer_id", customer_id):
        return False  # read with the batch (projection.prepare): none of them in the database either
    return record_queries.has_vehicles_or_visits(session, customer_id)


def customer_updated(session: Session, event: Event) -> None:
    data = event.data
    before = row(session, customers, data["id"])
    if before is None or data.get("version", 0) <= before["version"]:
        return  # not created here yet (older than this service), or an older version than applied
    after = {**before, **_customer_values(data), "version": data["version"]}
    if after["kind"] == "owner" and after.get("intent_grade") is None:
        # a prospect who became an owner has no intent grade any more; the prospects report keeps counting
        # them (converted) under the grade they had as a prospect
        after["intent_grade"] = before.get("intent_grade")
    if before["erased"]:
        after.update(dict.fromkeys(PERSONAL))
    if after["kind"] == "owner" and before["kind"] != "owner" and not after.get("owner_since"):
        after["owner_since"] = local_day(event.time)
    _set_store(session, before, after)


def customer_tier_changed(session: Session, event: Event) -> None:
    before = row(session, customers, event.data["customer_id"])
    if before is not None:
        save(session, customers, before, {**before, "tier": event.data.get("to_tier")})


def customer_erased(session: Session, event: Event) -> None:
    """Forget the person (PIPL / GDPR erasure), keep the anonymous figures."""
    before = row(session, customers, event.data["customer_id"])
    if before is not None:
        save(session, customers, before, {**before, **dict.fromkeys(PERSONAL), "erased": True})
    flush_erased(session)


def _set_store(session: Session, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    save(session, customers, before, after)
    if before is not None and before.get("store_id") != after.get("store_id"):
        _rehome(session, after["id"], after.get("store_id"))


def _rehome(session: Session, customer_id: str, store_id: str | None) -> None:
    """The customer's visits and vehicles count under the customer's (new) store."""
    record_cache.flush(session)
    for table in (visits, vehicles):
        for record in record_queries.rows_elsewhere(session, table, customer_id, store_id):
            save(session, table, dict(record), {**record, "store_id": store_id})


def refresh_activity(session: Session, customer_id: str) -> None:
    """Recount a customer's visits, spend, last visit and vehicles from its records (after a merge or undo)."""
    before = row(session, customers, customer_id)
    if before is None:
        return
    record_cache.flush(session)
    count, spend, last, owned = record_queries.visit_activity(session, customer_id)
    save(session, customers, before, {**before, "visit_count": count, "spend_fen": spend, "last_visit_day": last,
                                      "vehicles": owned})


def refresh_vehicles(session: Session, customer_id: str) -> None:
    """Recount the vehicles a customer owns now; the customer's model stays while one of them is of it,
    else it is the model of the one delivered last."""
    before = row(session, customers, customer_id)
    if before is None:
        return
    record_cache.flush(session)
    owned = record_queries.owned_models(session, customer_id)
    after = {**before, "vehicles": len(owned)}
    models = [model for model in owned if model]
    if models and before.get("model") not in models:
        after["model"] = models[0]
    save(session, customers, before, after)


def customer_merged(session: Session, event: Event) -> None:
    """Everything of the merged customer now counts for the survivor (remembered, for an undo)."""
    survivor_id, merged = event.data["survivor_id"], event.data["merged_id"]
    session.info[ANY_MERGES] = True
    existing = record_cache.get(session, merges, merged)
    record_cache.put(session, merges, existing, {"merged_id": merged, "survivor_id": survivor_id})
    record_cache.flush(session)
    for merge in record_queries.merges_into(session, merged):  # an earlier merge into `merged`
        record_cache.put(session, merges, dict(merge), {**merge, "survivor_id": survivor_id})
    record_cache.flush(session)
    survivor_row = row(session, customers, survivor_id)
    store = survivor_row.get("store_id") if survivor_row else None
    for table in DEPENDENTS:
        for record in record_queries.rows_of(session, table, merged):
            after = {**record, "customer_id": survivor_id, "merged_from": record["merged_from"] or merged}
            if table in FOLLOW_CUSTOMER_STORE:
                after["store_id"] = store
            save(session, table, dict(record), after)
    before = row(session, customers, merged)
    if before is not None:
        save(session, customers, before, {**before, "merged_into": survivor_id})
    refresh_activity(session, survivor_id)


def customer_unmerged(session: Session, event: Event) -> None:
    """An undo within the window: what came from the restored customer goes back to it."""
    survivor_id, restored = event.data["survivor_id"], event.data["restored_id"]
    record_cache.flush(session)
    record_queries.forget_merge(session, restored)
    record_cache.forget(session)  # rows cached before the delete may name the merge
    restored_before = row(session, customers, restored)
    if restored_before is not None:
        save(session, customers, restored_before, {**restored_before, "merged_into": None})
    store = restored_before.get("store_id") if restored_before else None
    for table in DEPENDENTS:
        for record in record_queries.rows_merged_from(session, table, restored):
            after = {**record, "customer_id": restored, "merged_from": None}
            if table in FOLLOW_CUSTOMER_STORE:
                after["store_id"] = store
            save(session, table, dict(record), after)
    refresh_activity(session, survivor_id)
    refresh_activity(session, restored)
