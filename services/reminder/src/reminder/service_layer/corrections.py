"""Corrections the customer service announces: a visit corrected or voided, a vehicle changed (plate, delivery
day, sold, scrapped, transferred to another customer) or voided, an odometer read on its own. This service's
copy follows and the customer's reminders are re-planned from it, so a visit dated wrongly and then corrected
moves the lost-customer reminder and the last service back. Each is idempotent, and an older version arriving
late changes nothing."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reminder.adapters import consumed_events
from reminder.adapters.asset_copy import AssetCopy, VisitCopy
from reminder.adapters.clock import now, utc
from reminder.adapters.erasure import ERASED
from reminder.adapters.reminders import ReminderRepository
from reminder.domain.planning_facts import INACTIVE_ASSETS
from reminder.domain.reminder_rules import UNPLANNED
from reminder.service_layer.customer_copy import ensure_customer, refresh_last_visits
from reminder.service_layer.planning import replan
from reminder.service_layer.visits_and_assets import label, service_type

#: Why an asset's reminders stop, in words (kept as the cancelled reminders' reason).
STOPPED = {"sold": "车辆已售出（不再是本店客户的车）", "scrapped": "车辆已报废", "voided": "车辆登记有误，已作废"}


def apply_visit_corrected(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """visit.corrected.v1: the visit as corrected (its day, vehicle, odometer, service type) replaces the copy."""
    visit = consumed_events.VisitCorrectedIn().load(data)["visit"]
    customer = ensure_customer(session, visit["customer_id"])
    version = visit.get("version") or 2
    visits, assets = VisitCopy(session), AssetCopy(session)
    row = visits.get(visit["id"])
    if row is not None and (row.voided_at is not None or (row.version or 1) >= version):
        return  # voided, or this correction (or a later one) is applied already
    occurred_at = utc(visit["occurred_at"])
    day = occurred_at.astimezone(zone).date()
    values = {"customer_id": row.customer_id if row is not None else customer.id, "asset_id": visit.get("asset_id"),
              "kind": visit["kind"], "occurred_at": occurred_at, "odometer_km": visit["details"].get("odometer_km"),
              "service_type": service_type(visit), "version": version}
    if row is None:
        visits.add(visit["id"], values)
    else:
        visits.change(row.id, **values)
        if row.asset_id and row.asset_id != visit.get("asset_id"):
            assets.set_reading(row.asset_id, visit["id"], None, None)
    if visit.get("asset_id"):
        assets.set_reading(visit["asset_id"], visit["id"], day, visit["details"].get("odometer_km"))
    refresh_last_visits(session, values["customer_id"], zone)
    replan(session, values["customer_id"], zone, f"{visit['kind']} visit corrected (now on {day})",
           withdraw_open=True)


def apply_visit_voided(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """visit.voided.v1: the visit counts for nothing any more (no visit, no service, no reading)."""
    loaded = consumed_events.VisitVoidedIn().load(data)
    customer = ensure_customer(session, loaded["customer_id"])
    visits = VisitCopy(session)
    row = visits.get(loaded["visit_id"])
    voided_at = utc(loaded.get("voided_at")) or now()
    if row is None:  # voided before we saw it: keep the tombstone so a late visit.done changes nothing
        visits.add(loaded["visit_id"], {
            "customer_id": customer.id, "asset_id": loaded.get("asset_id"), "kind": loaded.get("kind") or "unknown",
            "occurred_at": voided_at, "version": loaded.get("version"), "voided_at": voided_at})
        return
    if row.voided_at is not None:
        return
    visits.change(row.id, voided_at=voided_at, version=max(row.version or 1, loaded.get("version") or 1))
    AssetCopy(session).drop_readings(source=row.id)
    refresh_last_visits(session, row.customer_id, zone)
    replan(session, row.customer_id, zone, f"{row.kind} visit voided", withdraw_open=True)


def _stop_reminders(session: Session, asset_id: str, why: str) -> None:
    """Cancel the asset's scheduled reminders and open tasks: there is nothing more to remind about it."""
    ReminderRepository(session).cancel_of_asset(asset_id, now(), f"no longer needed: {why}")


def _asset_values(asset: dict[str, Any], version: int) -> dict[str, Any]:
    """The columns of the copy an asset.updated event sets."""
    return {"customer_id": asset["customer_id"], "kind": asset["kind"], "label": label(asset)[:300],
            "plate": (asset.get("plate") or "")[:32] or None, "model": (asset.get("model") or "")[:200] or None,
            "delivered_on": asset.get("delivered_on"), "expires_on": asset.get("expires_on"),
            "status": asset.get("status") or "active", "version": version}


def _previous_owner(row: Any, loaded: dict[str, Any]) -> str | None:
    """Whose the asset was before, when this change transferred it to another customer (else None)."""
    asset = loaded["asset"]
    previous = row.customer_id if row is not None and row.customer_id != asset["customer_id"] else \
        loaded.get("previous_customer_id")
    return None if previous == asset["customer_id"] else previous


def apply_asset_updated(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """asset.updated.v1: plate, model, dates and odometer corrected; sold or scrapped (no more reminders);
    transferred to another customer of ours (its reminders follow the new owner)."""
    loaded = consumed_events.AssetUpdatedIn().load(data)
    asset = loaded["asset"]
    owner = ensure_customer(session, asset["customer_id"])
    copy = AssetCopy(session)
    row = copy.get(asset["id"])
    version = asset.get("version") or 1
    if row is not None and (row.status == "voided" or (row.version or 1) >= version):
        return  # voided, or this version (or a later one) is applied already
    if owner.erased_at is not None:  # an event that comes late must not bring the plate back
        asset = {**asset, "plate": None, "model": None, "description": ERASED}
    values = _asset_values(asset, version)
    if row is None:
        copy.add(asset["id"], values)
    else:
        copy.change(row.id, **values)
    if "odometer_km" in loaded["changes"] or "delivered_on" in loaded["changes"]:
        _correct_registered_reading(copy, loaded, asset, zone)
    _follow_up_asset_change(session, asset, values, _previous_owner(row, loaded), zone)


def _correct_registered_reading(copy: AssetCopy, loaded: dict[str, Any], asset: dict[str, Any],
                                zone: ZoneInfo) -> None:
    """The reading the asset was registered with, as now known (on its delivery day, else when registered)."""
    registered = asset.get("delivered_on") or (asset.get("created_at") or loaded.get("updated_at") or now()) \
        .astimezone(zone).date()
    copy.set_reading(asset["id"], "registered", registered, asset.get("odometer_km"))


def _follow_up_asset_change(session: Session, asset: dict[str, Any], values: dict[str, Any], previous: str | None,
                            zone: ZoneInfo) -> None:
    """After an asset changed: its reminders stop (sold, scrapped) or follow the new owner; both owners are
    re-planned."""
    status = values["status"]
    if status in INACTIVE_ASSETS:
        _stop_reminders(session, asset["id"], STOPPED.get(status, status))
    elif previous:
        # the vehicle's reminders, and the tasks still open about it, are the new owner's now
        # (a follow-up of the former owner's missed appointment stays theirs)
        ReminderRepository(session).follow_asset(asset["id"], asset["customer_id"], UNPLANNED)
    if previous:
        ensure_customer(session, previous)
        replan(session, previous, zone, f"{asset['kind']} {values['label']} transferred to another customer",
               withdraw_open=True)
    replan(session, asset["customer_id"], zone, f"{asset['kind']} {values['label']} changed"
           + (f" ({status})" if status != "active" else ""), withdraw_open=True)


def apply_asset_voided(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """asset.voided.v1: registered by mistake; its reminders and readings go, it counts nowhere."""
    loaded = consumed_events.AssetVoidedIn().load(data)
    ensure_customer(session, loaded["customer_id"])
    copy = AssetCopy(session)
    row = copy.get(loaded["asset_id"])
    if row is None:  # voided before we saw it: a tombstone, so a late asset.registered plans nothing
        copy.add(loaded["asset_id"], {"customer_id": loaded["customer_id"], "kind": "unknown", "label": "",
                                      "status": "voided"})
        return
    if row.status == "voided":
        return
    copy.change(row.id, status="voided")
    copy.drop_readings(asset_id=row.id)
    _stop_reminders(session, row.id, STOPPED["voided"])
    replan(session, row.customer_id, zone, f"{row.kind} {row.label} voided", withdraw_open=True)


def apply_odometer(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """odometer.recorded.v1: a reading taken on its own feeds the mileage prediction like a service visit's."""
    loaded = consumed_events.OdometerRecordedIn().load(data)
    ensure_customer(session, loaded["customer_id"])
    read_at = utc(loaded["read_at"])
    day = read_at.astimezone(zone).date()
    copy = AssetCopy(session)
    if not copy.has_reading(loaded["asset_id"], day, loaded["odometer_km"]):  # came with its visit, or twice
        copy.insert_reading(loaded["asset_id"], day, loaded["odometer_km"], f"odometer:{read_at.isoformat()}"[:60])
    customer_id = copy.customer_of(loaded["asset_id"])
    replan(session, customer_id or loaded["customer_id"], zone, f"odometer {loaded['odometer_km']} km on {day}")
