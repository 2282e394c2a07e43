"""Corrections the customer service announces: a visit corrected or voided, a vehicle changed (plate, delivery
day, sold, scrapped, transferred to another customer) or voided, an odometer read on its own. This service's
copy follows and the customer's reminders are re-planned from it, so a visit dated wrongly and then corrected
moves the lost-customer reminder and the last service back. Each is idempotent, and an older version arriving
late changes nothing."""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from reminder.adapters import incoming
from reminder.adapters.clock import now, utc
from reminder.adapters.erasure import ERASED
from reminder.adapters.tables import assets, readings, reminders, visits
from reminder.domain.facts import INACTIVE_ASSETS
from reminder.domain.rules import UNPLANNED
from reminder.service_layer.archive import _label, ensure_customer, replan, service_type
from reminder.service_layer.customer_changes import refresh_last_visits
from reminder.service_layer.tasks import OPEN

#: Why an asset's reminders stop, in words (kept as the cancelled reminders' reason).
STOPPED = {"sold": "车辆已售出（不再是本店客户的车）", "scrapped": "车辆已报废", "voided": "车辆登记有误，已作废"}


def _set_reading(session: Session, asset_id: str, source: str, read_on: date | None, km: int | None) -> None:
    """The reading of `source` (a visit's id, "registered" …) as now known: replaced, or dropped when none."""
    session.execute(delete(readings).where(readings.c.asset_id == asset_id, readings.c.source == source))
    if read_on is not None and km is not None:
        session.execute(readings.insert().values(asset_id=asset_id, read_on=read_on, km=km, source=source))


def apply_visit_corrected(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """visit.corrected.v1: the visit as corrected (its day, vehicle, odometer, service type) replaces the copy."""
    visit = incoming.VisitCorrectedIn().load(data)["visit"]
    customer = ensure_customer(session, visit["customer_id"])
    version = visit.get("version") or 2
    row = session.execute(select(visits).where(visits.c.id == visit["id"])).first()
    if row is not None and (row.voided_at is not None or (row.version or 1) >= version):
        return  # voided, or this correction (or a later one) is applied already
    occurred_at = utc(visit["occurred_at"])
    day = occurred_at.astimezone(zone).date()
    values = {"customer_id": row.customer_id if row is not None else customer.id, "asset_id": visit.get("asset_id"),
              "kind": visit["kind"], "occurred_at": occurred_at, "odometer_km": visit["details"].get("odometer_km"),
              "service_type": service_type(visit), "version": version}
    if row is None:
        session.execute(visits.insert().values(id=visit["id"], **values))
    else:
        session.execute(update(visits).where(visits.c.id == row.id).values(**values))
        if row.asset_id and row.asset_id != visit.get("asset_id"):
            _set_reading(session, row.asset_id, visit["id"], None, None)
    if visit.get("asset_id"):
        _set_reading(session, visit["asset_id"], visit["id"], day, visit["details"].get("odometer_km"))
    refresh_last_visits(session, values["customer_id"], zone)
    replan(session, values["customer_id"], zone, f"{visit['kind']} visit corrected (now on {day})",
           withdraw_open=True)


def apply_visit_voided(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """visit.voided.v1: the visit counts for nothing any more (no visit, no service, no reading)."""
    loaded = incoming.VisitVoidedIn().load(data)
    customer = ensure_customer(session, loaded["customer_id"])
    row = session.execute(select(visits).where(visits.c.id == loaded["visit_id"])).first()
    voided_at = utc(loaded.get("voided_at")) or now()
    if row is None:  # voided before we saw it: keep the tombstone so a late visit.done changes nothing
        session.execute(visits.insert().values(
            id=loaded["visit_id"], customer_id=customer.id, asset_id=loaded.get("asset_id"),
            kind=loaded.get("kind") or "unknown", occurred_at=voided_at, version=loaded.get("version"),
            voided_at=voided_at))
        return
    if row.voided_at is not None:
        return
    session.execute(update(visits).where(visits.c.id == row.id).values(
        voided_at=voided_at, version=max(row.version or 1, loaded.get("version") or 1)))
    session.execute(delete(readings).where(readings.c.source == row.id))
    refresh_last_visits(session, row.customer_id, zone)
    replan(session, row.customer_id, zone, f"{row.kind} visit voided", withdraw_open=True)


def _stop_reminders(session: Session, asset_id: str, why: str) -> None:
    """Cancel the asset's scheduled reminders and open tasks: there is nothing more to remind about it."""
    session.execute(update(reminders).where(reminders.c.asset_id == asset_id,
                                            reminders.c.status.in_(("scheduled", *OPEN)))
                    .values(status="cancelled", cancelled_at=now(), cancel_reason=f"no longer needed: {why}",
                            snoozed_until=None))


def apply_asset_updated(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """asset.updated.v1: plate, model, dates and odometer corrected; sold or scrapped (no more reminders);
    transferred to another customer of ours (its reminders follow the new owner)."""
    loaded = incoming.AssetUpdatedIn().load(data)
    asset = loaded["asset"]
    owner = ensure_customer(session, asset["customer_id"])
    row = session.execute(select(assets).where(assets.c.id == asset["id"])).first()
    version = asset.get("version") or 1
    if row is not None and (row.status == "voided" or (row.version or 1) >= version):
        return  # voided, or this version (or a later one) is applied already
    if owner.erased_at is not None:  # an event that comes late must not bring the plate back
        asset = {**asset, "plate": None, "model": None, "description": ERASED}
    status = asset.get("status") or "active"
    values = {"customer_id": asset["customer_id"], "kind": asset["kind"], "label": _label(asset)[:300],
              "plate": (asset.get("plate") or "")[:32] or None, "model": (asset.get("model") or "")[:200] or None,
              "delivered_on": asset.get("delivered_on"), "expires_on": asset.get("expires_on"),
              "status": status, "version": version}
    if row is None:
        session.execute(assets.insert().values(id=asset["id"], **values))
    else:
        session.execute(update(assets).where(assets.c.id == row.id).values(**values))
    if "odometer_km" in loaded["changes"] or "delivered_on" in loaded["changes"]:
        registered = asset.get("delivered_on") or (asset.get("created_at") or loaded.get("updated_at") or now()) \
            .astimezone(zone).date()
        _set_reading(session, asset["id"], "registered", registered, asset.get("odometer_km"))
    previous = row.customer_id if row is not None and row.customer_id != asset["customer_id"] else \
        loaded.get("previous_customer_id")
    if previous == asset["customer_id"]:
        previous = None
    if status in INACTIVE_ASSETS:
        _stop_reminders(session, asset["id"], STOPPED.get(status, status))
    elif previous:
        # the vehicle's reminders, and the tasks still open about it, are the new owner's now
        # (a follow-up of the former owner's missed appointment stays theirs)
        session.execute(update(reminders).where(reminders.c.asset_id == asset["id"],
                                                reminders.c.status.in_(("scheduled", *OPEN)),
                                                reminders.c.kind.not_in(UNPLANNED))
                        .values(customer_id=asset["customer_id"]))
    label = values["label"]
    if previous:
        ensure_customer(session, previous)
        replan(session, previous, zone, f"{asset['kind']} {label} transferred to another customer",
               withdraw_open=True)
    replan(session, asset["customer_id"], zone, f"{asset['kind']} {label} changed"
           + (f" ({status})" if status != "active" else ""), withdraw_open=True)


def apply_asset_voided(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """asset.voided.v1: registered by mistake; its reminders and readings go, it counts nowhere."""
    loaded = incoming.AssetVoidedIn().load(data)
    ensure_customer(session, loaded["customer_id"])
    row = session.execute(select(assets).where(assets.c.id == loaded["asset_id"])).first()
    if row is None:  # voided before we saw it: a tombstone, so a late asset.registered plans nothing
        session.execute(assets.insert().values(id=loaded["asset_id"], customer_id=loaded["customer_id"],
                                               kind="unknown", label="", status="voided"))
        return
    if row.status == "voided":
        return
    session.execute(update(assets).where(assets.c.id == row.id).values(status="voided"))
    session.execute(delete(readings).where(readings.c.asset_id == row.id))
    _stop_reminders(session, row.id, STOPPED["voided"])
    replan(session, row.customer_id, zone, f"{row.kind} {row.label} voided", withdraw_open=True)


def apply_odometer(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """odometer.recorded.v1: a reading taken on its own feeds the mileage prediction like a service visit's."""
    loaded = incoming.OdometerRecordedIn().load(data)
    ensure_customer(session, loaded["customer_id"])
    read_at = utc(loaded["read_at"])
    day = read_at.astimezone(zone).date()
    same = session.execute(select(readings.c.id).where(
        readings.c.asset_id == loaded["asset_id"], readings.c.read_on == day,
        readings.c.km == loaded["odometer_km"])).first()
    if same is None:  # the same reading already came (with its visit, or twice)
        session.execute(readings.insert().values(asset_id=loaded["asset_id"], read_on=day, km=loaded["odometer_km"],
                                                 source=f"odometer:{read_at.isoformat()}"[:60]))
    customer_id = session.execute(select(assets.c.customer_id).where(assets.c.id == loaded["asset_id"])).scalar()
    replan(session, customer_id or loaded["customer_id"], zone, f"odometer {loaded['odometer_km']} km on {day}")
