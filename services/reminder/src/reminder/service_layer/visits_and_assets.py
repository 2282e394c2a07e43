"""Keeping this service's copy of assets (vehicles, contracts), odometer readings and visits from the customer
service's events (asset.registered, visit.done), and what a visit means here: the last visit and contact, an
appointment kept, a callback task closed; then the customer's reminders are re-planned."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reminder.adapters import consumed_events
from reminder.adapters.asset_copy import AssetCopy, VisitCopy
from reminder.adapters.clock import utc
from reminder.adapters.customer_copy import CustomerCopy
from reminder.adapters.erasure import ERASED
from reminder.service_layer.appointments import keep_appointments
from reminder.service_layer.customer_copy import COMING_IN, ensure_customer
from reminder.service_layer.planning import replan
from reminder.service_layer.tasks import close_by_callback_visit


def label(asset: dict[str, Any]) -> str:
    """What the asset is called: its plate, else its model, description or kind."""
    return asset.get("plate") or asset.get("model") or asset.get("description") or asset["kind"]


def service_type(visit: dict[str, Any]) -> str | None:
    """The type of a service visit as given (maintenance, repair …; none in older events), at most 60 characters."""
    value = visit["details"].get("service_type")
    return value[:60] if value else None


def apply_asset(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """asset.registered.v1: the asset, and its first odometer reading when one came with it."""
    asset = consumed_events.AssetRegisteredIn().load(data)["asset"]
    owner = ensure_customer(session, asset["customer_id"])
    if owner.erased_at is not None:  # an event that comes late must not bring the plate back
        asset = {**asset, "plate": None, "model": None, "description": ERASED}
    copy = AssetCopy(session)
    if copy.get(asset["id"]) is None:
        copy.add(asset["id"], {
            "customer_id": asset["customer_id"], "kind": asset["kind"], "label": label(asset),
            "delivered_on": asset.get("delivered_on"), "expires_on": asset.get("expires_on"),
            "plate": (asset.get("plate") or "")[:32] or None, "model": (asset.get("model") or "")[:200] or None,
            "status": asset.get("status"), "version": asset.get("version") or 1})
    if asset.get("odometer_km") is not None:
        copy.add_reading(asset["id"], asset.get("delivered_on") or asset["created_at"].astimezone(zone).date(),
                         asset["odometer_km"], "registered")
    replan(session, asset["customer_id"], zone, f"{asset['kind']} {label(asset)} registered")


def _outdated(kept: Any, visit: dict[str, Any]) -> bool:
    """True when the visit kept here was voided or corrected since this (first) version of it."""
    return kept is not None and (kept.voided_at is not None or (kept.version or 1) > (visit.get("version") or 1))


def _keep_visit(session: Session, visit: dict[str, Any], new: bool, customer_id: str, occurred_at: datetime,
                zone: ZoneInfo) -> None:
    """The visit itself (when `new` here), its odometer reading and, for a delivery, the vehicle's delivery day."""
    assets = AssetCopy(session)
    if new:
        VisitCopy(session).add(visit["id"], {
            "customer_id": customer_id, "asset_id": visit.get("asset_id"), "kind": visit["kind"],
            "occurred_at": occurred_at, "odometer_km": visit["details"].get("odometer_km"),
            "service_type": service_type(visit), "version": visit.get("version") or 1})
    day = occurred_at.astimezone(zone).date()
    asset_id = visit.get("asset_id")
    if asset_id and visit["details"].get("odometer_km") is not None:
        assets.add_reading(asset_id, day, visit["details"]["odometer_km"], visit["id"])
    if asset_id and visit["kind"] == "delivery":
        assets.set_delivered_on(asset_id, day)


def apply_visit(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """visit.done.v1: the visit, its mileage, a delivery's date, the last visit and contact, kept appointments."""
    visit = consumed_events.VisitDoneIn().load(data)["visit"]
    customer = ensure_customer(session, visit["customer_id"])
    occurred_at: datetime = utc(visit["occurred_at"])
    day = occurred_at.astimezone(zone).date()
    kept = VisitCopy(session).get(visit["id"])
    if _outdated(kept, visit):
        return  # corrected or voided since: the visit as first recorded changes nothing any more
    _keep_visit(session, visit, kept is None, customer.id, occurred_at, zone)
    values = {"last_contact_on": max(filter(None, (customer.last_contact_on, day)))}
    if visit["kind"] in COMING_IN:
        values["last_visit_on"] = max(filter(None, (customer.last_visit_on, day)))
    CustomerCopy(session).change(customer.id, **values)
    keep_appointments(session, customer.id, visit["id"], visit["kind"], occurred_at, visit.get("asset_id"))
    if visit["kind"] == "callback" and not visit.get("reminder_id"):
        close_by_callback_visit(session, customer.id, visit, occurred_at)
    replan(session, customer.id, zone, f"{visit['kind']} visit on {day}")
