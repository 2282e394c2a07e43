"""Applying events to the read model: records first, then the tallies by the difference each record made.

Every handler reads the record as it is, works out its new state, and passes both to `_save`, which
adds (new contribution − old contribution) to the tallies (reporting.domain.contributions). Within one
aggregate the producers keep the order; across aggregates nothing here depends on it: complaints,
reminders and appointments carry what they are counted by, and a merge applies whenever it arrives.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from reporting.adapters import records, tallies
from reporting.adapters.tables import (
    appointments,
    complaints,
    customers,
    merges,
    rebuild_backlog,
    rebuild_state,
    reminders,
    vehicles,
    visits,
)
from reporting.config import process_time_zone
from reporting.domain import contributions as contrib
from servicekit.db import flush_erased
from servicekit.events import Event
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy import event as orm_events
from sqlalchemy.orm import Session

PURCHASE_TYPES = ("首次购车", "增购", "换购")
#: customer.*.v1 `purchase_type` codes and the words the prospects report shows for them.
PURCHASE_TYPE_NAMES = {"first": "首次购车", "additional": "增购", "replacement": "换购"}
#: Visits in which the customer came to us (recency, frequency and spend of RFM, churn): not our calls.
CUSTOMER_VISITS = ("store", "delivery", "service", "event")
PERSONAL = ("name", "phone")
STATUS_RANK = {"due": 1, "sent": 2, "completed": 3, "booked": 1, "kept": 2, "no_show": 2, "cancelled": 2}

CONTRIBUTION_OF: dict[Table, Callable[[Any], contrib.Contribution]] = {
    customers: contrib.customer_contribution, vehicles: contrib.vehicle_contribution,
    visits: contrib.visit_contribution, complaints: contrib.complaint_contribution,
    reminders: contrib.reminder_contribution, appointments: contrib.appointment_contribution,
}


def local_day(value: str | None) -> date | None:
    """The dealership's local date of an ISO 8601 timestamp (or a plain date)."""
    if not value:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(process_time_zone()).date() if moment.tzinfo else moment.date()


def fen(amount: Any) -> int:
    """A CNY decimal string in fen (0 when absent or unreadable)."""
    try:
        return int(Decimal(str(amount)) * 100) if amount not in (None, "") else 0
    except InvalidOperation:
        return 0


def _row(session: Session, table: Table, key: str) -> dict[str, Any] | None:
    return records.get(session, table, key)


#: session.info flag: leave the tallies to the caller, who adds `contribution_of` each record's final state
#: (a bulk load of records that all start from nothing: the differences would add up to exactly that).
DEFER_TALLIES = "reporting.defer_tallies"


def contribution_of(table: Table, row: dict[str, Any] | None) -> contrib.Contribution:
    """What a record of `table` in the state `row` (None: no record) adds to the tallies."""
    contribution = CONTRIBUTION_OF.get(table)
    if contribution is None:
        return {}
    if table is complaints and row is not None:
        row = {**row, "sla": json.loads(row["sla"]) if row.get("sla") else {}}
    return contribution(row)


def _save(session: Session, table: Table, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Keep `after` (written at commit) and move the tallies by the difference between the two states."""
    if table is customers:
        after["fm"] = fm_cell(after.get("visit_count") or 0, after.get("spend_fen") or 0)
    if table in CONTRIBUTION_OF and not session.info.get(DEFER_TALLIES):
        tallies.add(session, contrib.difference(contribution_of(table, before), contribution_of(table, after)))
    records.put(session, table, before, after)


def fm_cell(visit_count: int, spend_fen: int) -> int:
    """10 × F + M of RFM (frequency and monetary scores, 1–5 each): kept on the customer and indexed with
    the last visit day, so that a segment's customers are a few index ranges (reports.segment_customers)."""
    return contrib.frequency_score(visit_count) * 10 + contrib.monetary_score(spend_fen)


def _survivor(session: Session, customer_id: str) -> tuple[str, str | None]:
    """(the customer a record counts for now, the merged customer it came from or None)."""
    if "reporting.any_merges" not in session.info:
        session.info["reporting.any_merges"] = session.execute(select(merges.c.merged_id).limit(1)).first() is not None
    if not session.info["reporting.any_merges"]:
        return customer_id, None
    row = records.get(session, merges, customer_id)
    return (row["survivor_id"], customer_id) if row else (customer_id, None)


# --- customers -------------------------------------------------------------------------------------------
def _customer_values(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a customer's data that the read model keeps (only those present in `data`)."""
    values = {name: data[name] for name in ("name", "phone", "store_id", "kind", "stage", "source", "owner",
                                            "wanted_model", "industry", "intent_grade", "tier") if name in data}
    if "key_customer" in data:
        values["key_customer"] = bool(data["key_customer"])
    if "region" in data:
        region = data["region"] or {}
        values.update(province=region.get("province"), city=region.get("city"), district=region.get("district"))
    if data.get("purchase_type"):
        values["purchase_type"] = PURCHASE_TYPE_NAMES.get(data["purchase_type"], data["purchase_type"])
    elif "purchase_type" in data and "tags" not in data:
        values["purchase_type"] = None
    elif "tags" in data:
        values["purchase_type"] = next((tag for tag in data["tags"] or () if tag in PURCHASE_TYPES), None)
    return values


def customer_created(session: Session, event: Event) -> None:
    data = event.data
    before = _row(session, customers, data["id"])
    values = _customer_values(data)
    survivor, merged_from = _survivor(session, data["id"])
    merged_into = survivor if merged_from else None
    after = {"vehicles": 0, "visit_count": 0, "spend_fen": 0, "key_customer": False, "erased": False,
             **(before or {}), **values, "id": data["id"], "version": data.get("version", 1),
             "first_kind": (before or {}).get("first_kind") or data["kind"],
             "created_day": local_day(data.get("created_at") or event.time), "merged_into": merged_into}
    if after.get("erased"):
        after.update(dict.fromkeys(PERSONAL))
    _set_store(session, before, after)
    if before is None and _recorded_before(session, data["id"]):
        _refresh_activity(session, data["id"])
        _refresh_vehicles(session, data["id"])  # the model of their vehicle, as if it had come after


def _recorded_before(session: Session, customer_id: str) -> bool:
    """Whether vehicles or visits of the customer were recorded before the customer was: events may overtake
    each other (two relays publishing, a delivery sent round again), and those counted for nobody then."""
    if records.holds(session, (vehicles, visits), "customer_id", customer_id):
        return True
    if session.info.get(DEFER_TALLIES):  # a bulk load: every record is in this transaction's hands
        return False
    return any(session.execute(select(table.c.id).where(table.c.customer_id == customer_id).limit(1)).first()
               for table in (vehicles, visits))


def customer_updated(session: Session, event: Event) -> None:
    data = event.data
    before = _row(session, customers, data["id"])
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
    before = _row(session, customers, event.data["customer_id"])
    if before is not None:
        _save(session, customers, before, {**before, "tier": event.data.get("to_tier")})


def customer_erased(session: Session, event: Event) -> None:
    """Forget the person (PIPL / GDPR erasure), keep the anonymous figures."""
    before = _row(session, customers, event.data["customer_id"])
    if before is not None:
        _save(session, customers, before, {**before, **dict.fromkeys(PERSONAL), "erased": True})
    flush_erased(session)


def _set_store(session: Session, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    _save(session, customers, before, after)
    if before is not None and before.get("store_id") != after.get("store_id"):
        _rehome(session, after["id"], after.get("store_id"))


def _rehome(session: Session, customer_id: str, store_id: str | None) -> None:
    """The customer's visits and vehicles count under the customer's (new) store."""
    records.flush(session)
    for table in (visits, vehicles):
        for row in session.execute(select(table).where(table.c.customer_id == customer_id,
                                                       table.c.store_id.is_distinct_from(store_id))).mappings():
            _save(session, table, dict(row), {**row, "store_id": store_id})


def _refresh_activity(session: Session, customer_id: str) -> None:
    """Recount a customer's visits, spend, last visit and vehicles from its records (after a merge or undo)."""
    before = _row(session, customers, customer_id)
    if before is None:
        return
    records.flush(session)
    count, spend, last = session.execute(
        select(func.count(), func.coalesce(func.sum(visits.c.amount_fen), 0), func.max(visits.c.day))
        .where(visits.c.customer_id == customer_id, visits.c.kind.in_(CUSTOMER_VISITS),
               visits.c.voided.is_(False))).one()
    owned = session.execute(select(func.count()).select_from(vehicles)
                            .where(vehicles.c.customer_id == customer_id, _owned())).scalar()
    if isinstance(last, str):
        last = date.fromisoformat(last)
    _save(session, customers, before, {**before, "visit_count": count, "spend_fen": int(spend),
                                       "last_visit_day": last, "vehicles": owned})


DEPENDENTS = (vehicles, visits, complaints, reminders, appointments)
FOLLOW_CUSTOMER_STORE = (vehicles, visits)


def customer_merged(session: Session, event: Event) -> None:
    """Everything of the merged customer now counts for the survivor (remembered, for an undo)."""
    survivor, merged = event.data["survivor_id"], event.data["merged_id"]
    session.info["reporting.any_merges"] = True
    existing = records.get(session, merges, merged)
    records.put(session, merges, existing, {"merged_id": merged, "survivor_id": survivor})
    records.flush(session)
    for row in session.execute(select(merges).where(merges.c.survivor_id == merged)).mappings():
        records.put(session, merges, dict(row), {**row, "survivor_id": survivor})  # an earlier merge into `merged`
    records.flush(session)
    survivor_row = _row(session, customers, survivor)
    store = survivor_row.get("store_id") if survivor_row else None
    for table in DEPENDENTS:
        for row in session.execute(select(table).where(table.c.customer_id == merged)).mappings():
            after = {**row, "customer_id": survivor, "merged_from": row["merged_from"] or merged}
            if table in FOLLOW_CUSTOMER_STORE:
                after["store_id"] = store
            _save(session, table, dict(row), after)
    before = _row(session, customers, merged)
    if before is not None:
        _save(session, customers, before, {**before, "merged_into": survivor})
    _refresh_activity(session, survivor)


def customer_unmerged(session: Session, event: Event) -> None:
    """An undo within the window: what came from the restored customer goes back to it."""
    survivor, restored = event.data["survivor_id"], event.data["restored_id"]
    records.flush(session)
    session.execute(merges.delete().where(merges.c.merged_id == restored))
    records.forget(session)  # rows cached before the delete may name the merge
    restored_before = _row(session, customers, restored)
    if restored_before is not None:
        _save(session, customers, restored_before, {**restored_before, "merged_into": None})
    store = restored_before.get("store_id") if restored_before else None
    for table in DEPENDENTS:
        for row in session.execute(select(table).where(table.c.merged_from == restored)).mappings():
            after = {**row, "customer_id": restored, "merged_from": None}
            if table in FOLLOW_CUSTOMER_STORE:
                after["store_id"] = store
            _save(session, table, dict(row), after)
    _refresh_activity(session, survivor)
    _refresh_activity(session, restored)


# --- vehicles and visits ---------------------------------------------------------------------------------
#: The service type that makes a service visit a maintenance (首保, last service); none given: a maintenance.
MAINTENANCE = "maintenance"


def _owned():
    """Vehicles a customer owns now: not sold, scrapped or registered by mistake."""
    return vehicles.c.status.is_(None) | (vehicles.c.status == "active")


def is_maintenance(kind: str, service_type: str | None) -> bool:
    """Whether a visit is a maintenance: a service visit of type `maintenance`, or one without a type (as
    every service visit was before visits had types; a free-text type of then counts when it says 保养)."""
    if kind != "service":
        return False
    return not service_type or service_type == MAINTENANCE or "保养" in service_type


def _maintenance_sql():
    kind = visits.c.service_type
    return (visits.c.kind == "service") & (kind.is_(None) | (kind == "") | (kind == MAINTENANCE)
                                           | kind.contains("保养"))


def _vehicle_values(session: Session, asset: dict[str, Any], customer_id: str, event: Event) -> dict[str, Any]:
    customer = _row(session, customers, customer_id)
    return {"store_id": customer.get("store_id") if customer else None, "model": asset.get("model"),
            "delivered_day": local_day(asset.get("delivered_on")) or local_day(asset.get("created_at") or event.time),
            "version": asset.get("version") or 1, "status": asset.get("status") or "active"}


def asset_registered(session: Session, event: Event) -> None:
    asset = event.data["asset"]
    if asset.get("kind", "vehicle") != "vehicle" or _row(session, vehicles, asset["id"]) is not None:
        return  # known already (delivered twice, or an update or a void came first)
    customer_id, merged_from = _survivor(session, event.data["customer_id"])
    customer = _row(session, customers, customer_id)
    _save(session, vehicles, None, {"id": asset["id"], "customer_id": customer_id, "merged_from": merged_from,
                                    "first_service_day": None, **_vehicle_values(session, asset, customer_id, event)})
    if customer is not None:
        _save(session, customers, customer, {**customer, "vehicles": customer["vehicles"] + 1,
                                             "model": asset.get("model") or customer.get("model")})


def asset_updated(session: Session, event: Event) -> None:
    """A corrected vehicle (plate, model, delivery date…), one sold or scrapped, or one transferred to another
    of our customers: the vehicle's new state, once per version; both owners' vehicles recounted."""
    asset = event.data["asset"]
    if asset.get("kind", "vehicle") != "vehicle":
        return
    before = _row(session, vehicles, asset["id"])
    if before is not None and ((before.get("version") or 1) >= (asset.get("version") or 1)
                               or before.get("status") == "voided"):
        return  # this version or a later one is applied already, or the vehicle was voided
    customer_id, merged_from = _survivor(session, event.data["customer_id"])
    if before is not None and before["customer_id"] == customer_id:
        merged_from = before.get("merged_from")
    after = {"first_service_day": None, **(before or {}), "id": asset["id"], "customer_id": customer_id,
             "merged_from": merged_from, **_vehicle_values(session, asset, customer_id, event)}
    if after["store_id"] is None and before is not None and before["customer_id"] == customer_id:
        after["store_id"] = before.get("store_id")
    _save(session, vehicles, before, after)
    _refresh_first_service(session, asset["id"])
    for owner in dict.fromkeys(filter(None, ((before or {}).get("customer_id"), customer_id))):
        _refresh_vehicles(session, owner)


def asset_voided(session: Session, event: Event) -> None:
    """A vehicle registered by mistake: it counts nowhere any more (kept as voided so nothing revives it)."""
    data = event.data
    before = _row(session, vehicles, data["asset_id"])
    if before is not None and before.get("status") == "voided":
        return
    customer_id = before["customer_id"] if before else _survivor(session, data["customer_id"])[0]
    _save(session, vehicles, before, {**(before or {"id": data["asset_id"], "customer_id": customer_id,
                                                    "merged_from": None}), "status": "voided"})
    _refresh_vehicles(session, customer_id)


def _refresh_vehicles(session: Session, customer_id: str) -> None:
    """Recount the vehicles a customer owns now; the customer's model stays while one of them is of it,
    else it is the model of the one delivered last."""
    before = _row(session, customers, customer_id)
    if before is None:
        return
    records.flush(session)
    owned = session.execute(select(vehicles.c.model).where(vehicles.c.customer_id == customer_id, _owned())
                            .order_by(vehicles.c.delivered_day.desc().nulls_last(), vehicles.c.id)).scalars().all()
    after = {**before, "vehicles": len(owned)}
    models = [model for model in owned if model]
    if models and before.get("model") not in models:
        after["model"] = models[0]
    _save(session, customers, before, after)


def _refresh_first_service(session: Session, asset_id: str | None) -> None:
    """A vehicle's first maintenance read back from its visits (after a visit was corrected or voided)."""
    vehicle = _row(session, vehicles, asset_id) if asset_id else None
    if vehicle is None:
        return
    records.flush(session)
    first = session.execute(select(func.min(visits.c.day)).where(
        visits.c.asset_id == asset_id, visits.c.voided.is_(False), _maintenance_sql())).scalar()
    if isinstance(first, str):
        first = date.fromisoformat(first)
    if first != vehicle.get("first_service_day"):
        _save(session, vehicles, vehicle, {**vehicle, "first_service_day": first})


def _visit_values(visit: dict[str, Any], event: Event) -> dict[str, Any]:
    """What the read model keeps of a visit (the VisitData of visit.done.v1 or visit.corrected.v1)."""
    details = visit.get("details") or {}
    return {"id": visit["id"], "asset_id": visit.get("asset_id"), "kind": visit["kind"],
            "day": local_day(visit.get("occurred_at") or event.time), "staff": visit.get("staff"),
            "amount_fen": fen(details.get("amount")), "satisfaction": details.get("satisfaction"),
            "service_type": details.get("service_type") if visit["kind"] == "service" else None,
            "version": visit.get("version") or 1, "voided": False}


def visit_done(session: Session, event: Event) -> None:
    visit = event.data["visit"]
    if _row(session, visits, visit["id"]) is not None:
        return  # known already: a correction or a void of it came first, or it was delivered twice
    customer_id, merged_from = _survivor(session, event.data["customer_id"])
    customer = _row(session, customers, customer_id)
    values = _visit_values(visit, event)
    day, amount = values["day"], values["amount_fen"]
    _save(session, visits, None, {**values, "customer_id": customer_id, "merged_from": merged_from,
                                  "store_id": customer.get("store_id") if customer else None})
    if customer is not None and visit["kind"] in CUSTOMER_VISITS:
        after = {**customer, "visit_count": customer["visit_count"] + 1, "spend_fen": customer["spend_fen"] + amount,
                 "last_visit_day": max(filter(None, (customer.get("last_visit_day"), day)))}
        if visit["kind"] == "delivery" and not customer.get("owner_since"):
            after["owner_since"] = day
        _save(session, customers, customer, after)
    if is_maintenance(visit["kind"], values["service_type"]) and visit.get("asset_id"):
        vehicle = _row(session, vehicles, visit["asset_id"])
        if vehicle is not None and (vehicle["first_service_day"] is None or day < vehicle["first_service_day"]):
            _save(session, vehicles, vehicle, {**vehicle, "first_service_day": day})


def _visit_changed(session: Session, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Keep the visit's new state; recount its customer's visits and its vehicles' first maintenance."""
    _save(session, visits, before, after)
    _refresh_activity(session, after["customer_id"])
    for asset_id in dict.fromkeys(filter(None, ((before or {}).get("asset_id"), after.get("asset_id")))):
        _refresh_first_service(session, asset_id)


def visit_corrected(session: Session, event: Event) -> None:
    """A visit corrected (date, vehicle, staff, amount, type…): counted once more, as it is now."""
    visit = event.data["visit"]
    values = _visit_values(visit, event)
    before = _row(session, visits, visit["id"])
    if before is not None and (before.get("voided") or (before.get("version") or 1) >= values["version"]):
        return  # voided, or this version or a later one is applied already
    if before is not None:
        after = {**before, **values, "id": before["id"]}
    else:
        customer_id, merged_from = _survivor(session, event.data["customer_id"])
        customer = _row(session, customers, customer_id)
        after = {**values, "customer_id": customer_id, "merged_from": merged_from,
                 "store_id": customer.get("store_id") if customer else None}
    _visit_changed(session, before, after)


def visit_voided(session: Session, event: Event) -> None:
    """A visit recorded by mistake: it counts nowhere any more (kept as voided so nothing revives it)."""
    data = event.data
    before = _row(session, visits, data["visit_id"])
    if before is not None and before.get("voided"):
        return
    if before is not None:
        after = {**before, "voided": True, "version": max(before.get("version") or 1, data.get("version") or 1)}
    else:
        customer_id, merged_from = _survivor(session, data["customer_id"])
        customer = _row(session, customers, customer_id)
        after = {"id": data["visit_id"], "customer_id": customer_id, "merged_from": merged_from,
                 "store_id": customer.get("store_id") if customer else None, "asset_id": data.get("asset_id"),
                 "kind": data["kind"], "day": local_day(data.get("occurred_at") or event.time), "staff": None,
                 "amount_fen": 0, "satisfaction": None, "service_type": None, "version": data.get("version") or 1,
                 "voided": True}
    _visit_changed(session, before, after)


# --- complaints --------------------------------------------------------------------------------------------
def complaint_step(session: Session, event: Event) -> None:
    """Any complaint.* step: the complaint's state after it, and what the step type adds."""
    data, kind = event.data, event.type.split(".")[1]
    complaint_id = data["complaint_id"]
    before = _row(session, complaints, complaint_id)
    step_at = data.get("occurred_at") or event.time
    customer_id, merged_from = _survivor(session, data.get("customer_id") or "")
    after = dict(before or {"id": complaint_id, "reopens": 0, "customer_id": customer_id,
                            "merged_from": merged_from})
    newest = before is None or (before.get("step_at") or "") <= step_at
    if newest:
        after.update({name: data[name] for name in ("store_id", "category", "subcategory", "department", "severity",
                                                    "channel", "status", "assignee") if name in data})
        if "sla" in data:
            after["sla"] = json.dumps(data["sla"], sort_keys=True)
        after["step_at"] = step_at
    after["filed_day"] = local_day(data.get("filed_at")) or after.get("filed_day")
    if kind == "resolved":
        after.update(working_minutes=data.get("working_minutes_to_resolve"), remedy_fen=fen(data.get("remedy_cost")),
                     responsible_party=data.get("responsible_party"))
    elif kind in ("callback_recorded", "closed") and data.get("satisfaction") and newest:
        after["satisfaction"] = data["satisfaction"]
    elif kind == "reopened":
        after["reopens"] = (after.get("reopens") or 0) + 1
    elif kind == "survey_recorded":
        day, store = local_day(step_at), data.get("store_id") or ""
        for staff in data.get("staff") or ():
            for item in ("attitude", "skill", "timeliness", "promise_kept"):
                score = contrib.SURVEY_SCORE.get(data.get(item) or "")
                if score:
                    tallies.add(session, {("survey", day, store, staff, item): (1, score)})
    _save(session, complaints, before, after)


# --- reminders and appointments ---------------------------------------------------------------------------
def reminder_step(session: Session, event: Event) -> None:
    """reminder.due / sent / completed: the furthest step reached, the outcome, a win-back's lost reason."""
    data = event.data
    before = _row(session, reminders, data["reminder_id"])
    customer_id, merged_from = _survivor(session, data.get("customer_id") or "")
    after = dict(before or {"id": data["reminder_id"], "customer_id": customer_id, "merged_from": merged_from})
    after.update(rule=data.get("rule_kind") or data.get("rule") or after.get("rule"),
                 due_day=local_day(data.get("due_at")) or after.get("due_day"),
                 store_id=data.get("store_id") or after.get("store_id"))
    step = event.type.split(".")[1]  # the step, whatever the producer calls its status after it
    if STATUS_RANK.get(step, 0) >= STATUS_RANK.get(after.get("status") or "", 0):
        after["status"] = step
    if step == "completed":
        after.update(outcome=data.get("outcome"), lost_reason=data.get("lost_reason"),
                     completed_day=local_day(data.get("completed_at") or event.time))
    _save(session, reminders, before, after)
    if (before or {}).get("due_day") != after.get("due_day"):
        _rebook(session, after["id"], after.get("due_day"), before is None)


def appointment_step(session: Session, event: Event) -> None:
    """appointment.booked / kept / no_show / cancelled: the furthest status, and the reminder it came from."""
    data = event.data
    before = _row(session, appointments, data["appointment_id"])
    customer_id, merged_from = _survivor(session, data.get("customer_id") or "")
    after = dict(before or {"id": data["appointment_id"], "customer_id": customer_id, "merged_from": merged_from,
                            "purpose": data.get("purpose")})
    after["store_id"] = data.get("store_id") or after.get("store_id")
    if event.type.startswith("appointment.booked") or after.get("booked_day") is None:
        after["booked_day"] = local_day(event.time)
    step = event.type.split(".")[1]
    if STATUS_RANK.get(step, 0) >= STATUS_RANK.get(after.get("status") or "", 0):
        after["status"] = step
    after["reminder_id"] = data.get("reminder_id") or after.get("reminder_id")
    if after["reminder_id"] and after.get("reminder_day") is None:
        reminder = _row(session, reminders, after["reminder_id"])
        after["reminder_day"] = reminder.get("due_day") if reminder else None
        if after["reminder_day"] is None:
            session.info[UNPLACED] = True  # the reminder's first event places it (_rebook)
    _save(session, appointments, before, after)


#: session.info: whether any appointment waits for its reminder's due day (read once, then kept up to date).
UNPLACED = "reporting.unplaced_bookings"


def _rebook(session: Session, reminder_id: str, due_day: date | None, new: bool) -> None:
    """The appointments booked from a reminder count on its due day (its first reminder event may come after
    them, or its due day move)."""
    if new:
        if UNPLACED not in session.info:
            session.info[UNPLACED] = session.execute(select(appointments.c.id).where(
                appointments.c.reminder_id.is_not(None), appointments.c.reminder_day.is_(None)).limit(1)
            ).first() is not None
        if not session.info[UNPLACED]:
            return  # a reminder seen for the first time, and no booking waits for one
    records.flush(session)
    for row in session.execute(select(appointments).where(appointments.c.reminder_id == reminder_id,
                                                          appointments.c.reminder_day.is_distinct_from(due_day))
                               ).mappings():
        before = _row(session, appointments, row["id"])
        _save(session, appointments, before, {**before, "reminder_day": due_day})


HANDLERS: dict[str, Callable[[Session, Event], None]] = {
    "customer.created": customer_created, "customer.updated": customer_updated,
    "customer.tier_changed": customer_tier_changed, "customer.erased": customer_erased,
    "customer.merged": customer_merged, "customer.unmerged": customer_unmerged,
    "asset.registered": asset_registered, "asset.updated": asset_updated, "asset.voided": asset_voided,
    "visit.done": visit_done, "visit.corrected": visit_corrected, "visit.voided": visit_voided,
    "reminder.due": reminder_step, "reminder.sent": reminder_step, "reminder.completed": reminder_step,
    "appointment.booked": appointment_step, "appointment.kept": appointment_step,
    "appointment.no_show": appointment_step, "appointment.cancelled": appointment_step,
}
#: The event types read (routing keys), v1 of each; every complaint step is one handler.
ROUTING_KEYS = tuple(f"{name}.v1" for name in HANDLERS) + ("complaint.#",)


#: The advisory lock key of the read model's writers (any fixed number: "guanxi.reporting" as an integer).
READ_MODEL_LOCK = 0x6775616E78697270


def prepare(session: Session, events: list[Event]) -> None:
    """Load the rows a batch of events will touch, one query per table (the consumer calls this first).

    On PostgreSQL the batch first takes the read model's lock (until it commits): the handlers read a row,
    change it and write it back, so two consumers sharing the queue (replicas) must not apply batches at once,
    or one's change of a customer's figures would overwrite the other's."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": READ_MODEL_LOCK})
    wanted: dict[Table, set[str]] = {customers: set(), vehicles: set(), visits: set(), complaints: set(),
                                     reminders: set(), appointments: set(), merges: set()}
    for event in events:
        data = event.data
        for name in ("id", "customer_id", "survivor_id", "merged_id", "restored_id"):
            if isinstance(data.get(name), str) and not event.type.startswith(("complaint.", "reminder.", "appoint")):
                wanted[customers].add(data[name])
        if isinstance(data.get("customer_id"), str):
            wanted[merges].add(data["customer_id"])
        if event.type.startswith("customer.created"):
            wanted[merges].add(data.get("id"))
        asset = data.get("asset") or {}
        visit = data.get("visit") or {}
        wanted[vehicles].update(filter(None, (asset.get("id"), visit.get("asset_id"))))
        if event.type.startswith(("visit.", "asset.")):
            wanted[visits].update(filter(None, (visit.get("id"), data.get("visit_id"))))
            wanted[vehicles].update(filter(None, [data.get("asset_id")]))
        wanted[complaints].update(filter(None, [data.get("complaint_id")]))
        if event.type.startswith(("reminder.", "appointment.")):
            wanted[reminders].update(filter(None, [data.get("reminder_id")]))
        wanted[appointments].update(filter(None, [data.get("appointment_id")]))
    if "reporting.any_merges" not in session.info:
        session.info["reporting.any_merges"] = session.execute(select(merges.c.merged_id).limit(1)).first() is not None
    for table, keys in wanted.items():
        if table is not merges or session.info["reporting.any_merges"]:
            records.load(session, table, keys)


def flush(session: Session) -> None:
    """Write the records and tallies this transaction changed (done before every commit)."""
    records.flush(session)
    tallies.flush(session)


@orm_events.listens_for(Session, "before_commit")
def _flush_before_commit(session: Session) -> None:
    if session.info.get(records._DIRTY):
        records.flush(session)


@orm_events.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    records.forget(session)


def apply_event(session: Session, event: Event, queue: str = "reporting.read_model") -> None:
    """Apply one event to the read model (the consumer's handler; types it does not know change nothing)."""
    if "reporting.rebuilding" not in session.info:
        session.info["reporting.rebuilding"] = session.execute(
            select(rebuild_state.c.status).where(rebuild_state.c.status == "building")).first() is not None
    if session.info["reporting.rebuilding"]:
        # A rebuild is filling a fresh copy: it will apply this event too, from here (reporting.service_layer.rebuild).
        session.execute(insert(rebuild_backlog).values(queue=queue, body=event.to_json()))
    name = event.type.rsplit(".", 1)[0]
    handler = complaint_step if name.startswith("complaint.") else HANDLERS.get(name)
    if handler is not None and event.type.endswith(".v1"):
        handler(session, event)
    tallies.note_event(session, event.time)


apply_event.prepare = prepare  # type: ignore[attr-defined]
