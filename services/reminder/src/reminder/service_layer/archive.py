"""Keeping this service's copy of customers, assets, readings, visits and complaints from their events,
and re-planning the customer's reminders after each one."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reminder.adapters import incoming
from reminder.adapters.clock import aware, now, utc
from reminder.adapters.erasure import ERASED
from reminder.adapters.facts import customer_row
from reminder.adapters.rules import all_rules
from reminder.adapters.tables import (
    assets,
    complaints,
    customers,
    readings,
    visits,
)
from reminder.domain.facts import Context
from reminder.service_layer.appointments import keep_appointments
from reminder.service_layer.planning import reconcile
from reminder.service_layer.tasks import close_by_callback_visit

#: Visits that mean the customer came to us (the lost-customer rule counts these); every kind is a contact.
COMING_IN = ("store", "service", "delivery", "event")
#: The customer fields kept here: personal ones are dropped on erasure.
PERSONAL = ("name", "phone", "email", "birthday", "wechat_openid")
PLAIN = ("name", "phone", "email", "birthday", "kind", "stage", "tier", "owner", "store_id", "wechat_openid")


def ensure_customer(session: Session, customer_id: str) -> Any:
    """The customer's row, created empty when an event about them comes before their customer.created; locked
    until the transaction ends, so that two consumers applying two versions of one customer at once (replicas
    share a queue) compare versions one after the other, and the older never overwrites the newer."""
    row = customer_row(session, customer_id, for_update=True)
    if row is None:
        session.execute(customers.insert().values(id=customer_id, version=0, updated_at=now()))
        row = customer_row(session, customer_id, for_update=True)
    return row


def replan(session: Session, customer_id: str, zone: ZoneInfo, cause: str, withdraw_open: bool = False) -> None:
    """Re-plan the customer's reminders (reconcile); after a correction, `withdraw_open` also cancels the open
    tasks the corrected facts no longer call for."""
    reconcile(session, customer_id, all_rules(session), Context(now(), zone), cause, withdraw_open)


def apply_customer(session: Session, data: dict[str, Any], zone: ZoneInfo, created: bool) -> None:
    """customer.created.v1 / customer.updated.v1: keep the fields we need (older versions are ignored)."""
    loaded = incoming.CustomerIn().load(data)
    row = ensure_customer(session, loaded["id"])
    if loaded["version"] <= row.version:
        return
    values: dict[str, Any] = {name: loaded[name] for name in PLAIN if name in loaded}
    for name in ("key_customer", "blacklisted"):
        if loaded.get(name) is not None:
            values[name] = loaded[name]
    if "consent" in loaded:
        consent = loaded["consent"] or {}
        values.update(consent_sms=consent.get("sms", False), consent_phone=consent.get("phone", False),
                      consent_email=consent.get("email", False), consent_wechat=consent.get("wechat", False))
    if "quiet_hours" in loaded:
        quiet = loaded["quiet_hours"] or {}
        values.update(quiet_start=quiet.get("start"), quiet_end=quiet.get("end"))
    if loaded.get("created_at"):
        values["created_on"] = loaded["created_at"].astimezone(zone).date()
    if row.erased_at is not None:
        values = {name: value for name, value in values.items() if name not in PERSONAL}
    session.execute(update(customers).where(customers.c.id == row.id).values(
        **values, version=loaded["version"], updated_at=now()))
    replan(session, row.id, zone, "customer registered" if created else "customer changed")


def apply_tier(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """customer.tier_changed.v1: the contact cadence may depend on the tier."""
    loaded = incoming.TierChangedIn().load(data)
    ensure_customer(session, loaded["customer_id"])
    session.execute(update(customers).where(customers.c.id == loaded["customer_id"]).values(
        tier=loaded["to_tier"], updated_at=now()))
    replan(session, loaded["customer_id"], zone, f"tier changed to {loaded['to_tier']}")


def _label(asset: dict[str, Any]) -> str:
    return asset.get("plate") or asset.get("model") or asset.get("description") or asset["kind"]


def apply_asset(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """asset.registered.v1: the asset, and its first odometer reading when one came with it."""
    asset = incoming.AssetRegisteredIn().load(data)["asset"]
    owner = ensure_customer(session, asset["customer_id"])
    if owner.erased_at is not None:  # an event that comes late must not bring the plate back
        asset = {**asset, "plate": None, "model": None, "description": ERASED}
    if session.execute(select(assets.c.id).where(assets.c.id == asset["id"])).first() is None:
        session.execute(assets.insert().values(
            id=asset["id"], customer_id=asset["customer_id"], kind=asset["kind"], label=_label(asset),
            delivered_on=asset.get("delivered_on"), expires_on=asset.get("expires_on"),
            plate=(asset.get("plate") or "")[:32] or None, model=(asset.get("model") or "")[:200] or None,
            status=asset.get("status"), version=asset.get("version") or 1))
    if asset.get("odometer_km") is not None:
        _add_reading(session, asset["id"], asset.get("delivered_on") or asset["created_at"].astimezone(zone).date(),
                     asset["odometer_km"], "registered")
    replan(session, asset["customer_id"], zone, f"{asset['kind']} {_label(asset)} registered")


def _add_reading(session: Session, asset_id: str, read_on: date, km: int, source: str) -> None:
    exists = session.execute(select(readings.c.id).where(readings.c.asset_id == asset_id,
                                                         readings.c.source == source)).first()
    if exists is None:
        session.execute(readings.insert().values(asset_id=asset_id, read_on=read_on, km=km, source=source))


def apply_visit(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """visit.done.v1: the visit, its mileage, a delivery's date, the last visit and contact, kept appointments."""
    visit = incoming.VisitDoneIn().load(data)["visit"]
    customer = ensure_customer(session, visit["customer_id"])
    occurred_at: datetime = utc(visit["occurred_at"])
    day = occurred_at.astimezone(zone).date()
    kept = session.execute(select(visits.c.version, visits.c.voided_at).where(visits.c.id == visit["id"])).first()
    if kept is not None and (kept.voided_at is not None or (kept.version or 1) > (visit.get("version") or 1)):
        return  # corrected or voided since: the visit as first recorded changes nothing any more
    if kept is None:
        session.execute(visits.insert().values(
            id=visit["id"], customer_id=customer.id, asset_id=visit.get("asset_id"), kind=visit["kind"],
            occurred_at=occurred_at, odometer_km=visit["details"].get("odometer_km"),
            service_type=service_type(visit), version=visit.get("version") or 1))
    asset_id = visit.get("asset_id")
    if asset_id and visit["details"].get("odometer_km") is not None:
        _add_reading(session, asset_id, day, visit["details"]["odometer_km"], visit["id"])
    if asset_id and visit["kind"] == "delivery":
        session.execute(update(assets).where(assets.c.id == asset_id, assets.c.delivered_on.is_(None))
                        .values(delivered_on=day))
    values = {"last_contact_on": max(filter(None, (customer.last_contact_on, day)))}
    if visit["kind"] in COMING_IN:
        values["last_visit_on"] = max(filter(None, (customer.last_visit_on, day)))
    session.execute(update(customers).where(customers.c.id == customer.id).values(**values))
    keep_appointments(session, customer.id, visit["id"], visit["kind"], occurred_at, asset_id)
    if visit["kind"] == "callback" and not visit.get("reminder_id"):
        close_by_callback_visit(session, customer.id, visit, occurred_at)
    replan(session, customer.id, zone, f"{visit['kind']} visit on {day}")


def service_type(visit: dict[str, Any]) -> str | None:
    """The type of a service visit as given (maintenance, repair …; none in older events), at most 60 characters."""
    value = visit["details"].get("service_type")
    return value[:60] if value else None


def apply_complaint(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """complaint.*: keep the complaint's status; a resolved one plans a callback, a later step cancels it."""
    loaded = incoming.ComplaintIn().load(data)
    loaded["occurred_at"] = utc(loaded["occurred_at"])
    ensure_customer(session, loaded["customer_id"])
    callback_due = next((utc(target.get("due_at")) for name, target in loaded["sla"].items()
                         if "callback" in name and target.get("met_at") is None), None)
    values: dict[str, Any] = {"customer_id": loaded["customer_id"], "status": loaded["status"],
                              "assignee": loaded.get("assignee"), "updated_at": loaded["occurred_at"]}
    if loaded["status"] == "resolved":
        values.update(resolved_at=loaded["occurred_at"], callback_due_at=callback_due)
    row = session.execute(select(complaints.c.id, complaints.c.updated_at)
                          .where(complaints.c.id == loaded["complaint_id"])).first()
    if row is None:
        session.execute(complaints.insert().values(id=loaded["complaint_id"], **values))
    elif aware(row.updated_at) <= loaded["occurred_at"]:
        session.execute(update(complaints).where(complaints.c.id == row.id).values(**values))
    replan(session, loaded["customer_id"], zone, f"complaint {loaded['complaint_id']} {loaded['status']}")
