"""Vehicles (asset.*) and visits (visit.*) of the customers: deliveries, first maintenance, the visits a
customer's recency, frequency and spend are counted from."""
from __future__ import annotations

from typing import Any

from servicekit.events import Event
from sqlalchemy.orm import Session

from reporting.adapters import record_cache, record_queries
from reporting.adapters.tables import customers, vehicles, visits
from reporting.domain.event_values import CUSTOMER_VISITS, fen, is_maintenance
from reporting.service_layer.customer_copy import refresh_activity, refresh_vehicles
from reporting.service_layer.record_keeping import local_day, row, save, store_of, survivor


def _vehicle_values(session: Session, asset: dict[str, Any], customer_id: str, event: Event) -> dict[str, Any]:
    return {"store_id": store_of(session, customer_id), "model": asset.get("model"),
            "delivered_day": local_day(asset.get("delivered_on")) or local_day(asset.get("created_at") or event.time),
            "version": asset.get("version") or 1, "status": asset.get("status") or "active"}


def asset_registered(session: Session, event: Event) -> None:
    asset = event.data["asset"]
    if asset.get("kind", "vehicle") != "vehicle" or row(session, vehicles, asset["id"]) is not None:
        return  # known already (delivered twice, or an update or a void came first)
    customer_id, merged_from = survivor(session, event.data["customer_id"])
    customer = row(session, customers, customer_id)
    save(session, vehicles, None, {"id": asset["id"], "customer_id": customer_id, "merged_from": merged_from,
                                   "first_service_day": None, **_vehicle_values(session, asset, customer_id, event)})
    if customer is not None:
        save(session, customers, customer, {**customer, "vehicles": customer["vehicles"] + 1,
                                            "model": asset.get("model") or customer.get("model")})


def _applied_already(before: dict[str, Any] | None, version: int) -> bool:
    """Whether this version of the vehicle or a later one is applied already, or the vehicle was voided."""
    return before is not None and ((before.get("version") or 1) >= version or before.get("status") == "voided")


def asset_updated(session: Session, event: Event) -> None:
    """A corrected vehicle (plate, model, delivery date…), one sold or scrapped, or one transferred to another
    of our customers: the vehicle's new state, once per version; both owners' vehicles recounted."""
    asset = event.data["asset"]
    if asset.get("kind", "vehicle") != "vehicle":
        return
    before = row(session, vehicles, asset["id"])
    if _applied_already(before, asset.get("version") or 1):
        return
    customer_id, merged_from = survivor(session, event.data["customer_id"])
    same_owner = before is not None and before["customer_id"] == customer_id
    if before is not None and same_owner:
        merged_from = before.get("merged_from")
    after = {"first_service_day": None, **(before or {}), "id": asset["id"], "customer_id": customer_id,
             "merged_from": merged_from, **_vehicle_values(session, asset, customer_id, event)}
    if after["store_id"] is None and before is not None and same_owner:
        after["store_id"] = before.get("store_id")
    save(session, vehicles, before, after)
    _refresh_first_service(session, asset["id"])
    for owner in dict.fromkeys(filter(None, ((before or {}).get("customer_id"), customer_id))):
        refresh_vehicles(session, owner)


def asset_voided(session: Session, event: Event) -> None:
    """A vehicle registered by mistake: it counts nowhere any more (kept as voided so nothing revives it)."""
    data = event.data
    before = row(session, vehicles, data["asset_id"])
    if before is not None and before.get("status") == "voided":
        return
    customer_id = before["customer_id"] if before else survivor(session, data["customer_id"])[0]
    save(session, vehicles, before, {**(before or {"id": data["asset_id"], "customer_id": customer_id,
                                                   "merged_from": None}), "status": "voided"})
    refresh_vehicles(session, customer_id)


def _refresh_first_service(session: Session, asset_id: str | None) -> None:
    """A vehicle's first maintenance read back from its visits (after a visit was corrected or voided)."""
    vehicle = row(session, vehicles, asset_id) if asset_id else None
    if vehicle is None or asset_id is None:
        return
    record_cache.flush(session)
    first = record_queries.first_maintenance_day(session, asset_id)
    if first != vehicle.get("first_service_day"):
        save(session, vehicles, vehicle, {**vehicle, "first_service_day": first})


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
    if row(session, visits, visit["id"]) is not None:
        return  # known already: a correction or a void of it came first, or it was delivered twice
    customer_id, merged_from = survivor(session, event.data["customer_id"])
    customer = row(session, customers, customer_id)
    values = _visit_values(visit, event)
    save(session, visits, None, {**values, "customer_id": customer_id, "merged_from": merged_from,
                                 "store_id": customer.get("store_id") if customer else None})
    if customer is not None and visit["kind"] in CUSTOMER_VISITS:
        _count_visit(session, customer, values)
    if is_maintenance(visit["kind"], values["service_type"]) and visit.get("asset_id"):
        vehicle = row(session, vehicles, visit["asset_id"])
        day = values["day"]
        if vehicle is not None and (vehicle["first_service_day"] is None or day < vehicle["first_service_day"]):
            save(session, vehicles, vehicle, {**vehicle, "first_service_day": day})


def _count_visit(session: Session, customer: dict[str, Any], visit: dict[str, Any]) -> None:
    """One more visit of the customer's own: frequency, spend, last visit (a delivery makes them an owner)."""
    day = visit["day"]
    after = {**customer, "visit_count": customer["visit_count"] + 1,
             "spend_fen": customer["spend_fen"] + visit["amount_fen"],
             "last_visit_day": max(filter(None, (customer.get("last_visit_day"), day)))}
    if visit["kind"] == "delivery" and not customer.get("owner_since"):
        after["owner_since"] = day
    save(session, customers, customer, after)


def _visit_changed(session: Session, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Keep the visit's new state; recount its customer's visits and its vehicles' first maintenance."""
    save(session, visits, before, after)
    refresh_activity(session, after["customer_id"])
    for asset_id in dict.fromkeys(filter(None, ((before or {}).get("asset_id"), after.get("asset_id")))):
        _refresh_first_service(session, asset_id)


def visit_corrected(session: Session, event: Event) -> None:
    """A visit corrected (date, vehicle, staff, amount, type…): counted once more, as it is now."""
    visit = event.data["visit"]
    values = _visit_values(visit, event)
    before = row(session, visits, visit["id"])
    if before is not None and (before.get("voided") or (before.get("version") or 1) >= values["version"]):
        return  # voided, or this version or a later one is applied already
    if before is not None:
        after = {**before, **values, "id": before["id"]}
    else:
        customer_id, merged_from = survivor(session, event.data["customer_id"])
        after = {**values, "customer_id": customer_id, "merged_from": merged_from,
                 "store_id": store_of(session, customer_id)}
    _visit_changed(session, before, after)


def visit_voided(session: Session, event: Event) -> None:
    """A visit recorded by mistake: it counts nowhere any more (kept as voided so nothing revives it)."""
    data = event.data
    before = row(session, visits, data["visit_id"])
    if before is not None and before.get("voided"):
        return
    if before is not None:
        after = {**before, "voided": True, "version": max(before.get("version") or 1, data.get("version") or 1)}
    else:
        customer_id, merged_from = survivor(session, data["customer_id"])
        after = {"id": data["visit_id"], "customer_id": customer_id, "merged_from": merged_from,
                 "store_id": store_of(session, customer_id), "asset_id": data.get("asset_id"),
                 "kind": data["kind"], "day": local_day(data.get("occurred_at") or event.time), "staff": None,
                 "amount_fen": 0, "satisfaction": None, "service_type": None, "version": data.get("version") or 1,
                 "voided": True}
    _visit_changed(session, before, after)
