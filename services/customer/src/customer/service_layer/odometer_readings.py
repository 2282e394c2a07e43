"""Odometer readings: the use case of a reading taken on its own; and how the use cases keep a reading, a
service visit's or their own, under the odometer rules (customer.domain.odometer: a reading that would make
the mileage go backwards is refused, unless it corrects the earlier ones)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.assets import AssetRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.domain.errors import Conflict, InvalidFields
from customer.domain.odometer import Reading, check_reading
from customer.domain.visits import check_occurred_at
from customer.service_layer.assets import customer_asset, locked_asset
from customer.service_layer.customers import live_customer
from customer.service_layer.emit import emit


def keep_reading(session: Session, asset: dict[str, Any], km: int, read_on: date, at: datetime, actor: str,
                 correction: bool, source: str = "reading") -> None:
    """Keep a reading; one that contradicts the others is a 422 unless it is a `correction`, which sets the
    readings it shows wrong aside."""
    if asset["kind"] != "vehicle":
        raise InvalidFields.one("odometer_km", "Only vehicles have an odometer.")
    repo = AssetRepository(session)
    reading = Reading(km=km, read_on=read_on)
    if correction:
        if km < 0:
            raise InvalidFields.one("odometer_km", "An odometer reading cannot be negative.")
        repo.set_aside_contradicting(asset["id"], reading, at)
    else:
        check_reading(repo.readings(asset["id"]), reading)
    repo.add_reading(asset["id"], reading, None, at, source, actor)


def keep_mileage(session: Session, customer_id: str, visit: dict[str, Any], read_on: date) -> None:
    """Keep the reading of `visit`'s odometer_km (if any) on its vehicle, read on `read_on`: InvalidFields when the
    visit names no vehicle or an asset that is none, or the reading does not fit the vehicle's others."""
    km = visit["details"].get("odometer_km")
    if km is None:
        return
    if visit.get("asset_id") is None:
        raise InvalidFields.one("asset_id", "A service visit with odometer_km needs the vehicle's asset_id.")
    asset = customer_asset(session, customer_id, visit["asset_id"], field="asset_id")
    if asset["kind"] != "vehicle":
        raise InvalidFields.one("odometer_km", "Only vehicles have an odometer.")
    repo = AssetRepository(session)
    reading = Reading(km=km, read_on=read_on)
    check_reading(repo.readings(asset["id"]), reading)
    repo.add_reading(asset["id"], reading, visit["id"], visit.get("updated_at") or visit["created_at"],
                     "visit", visit["recorded_by"])


def record_reading(sessions: sessionmaker[Session], customer_id: str, asset_id: str, km: int,
                   read_at: datetime | None, correction: bool, actor: str) -> dict[str, Any]:
    """Keep an odometer reading taken on its own (a photo of the dashboard, a call). A reading that would
    make the mileage go backwards is a 422 unless `correction` says the earlier readings were wrong (those
    it contradicts are set aside). History and odometer.recorded.v1."""
    moment = now()
    read_at = read_at or moment
    check_occurred_at(read_at, moment, "read_at")
    with unit_of_work(sessions) as session:
        live_customer(session, customer_id)
        asset = locked_asset(session, customer_id, asset_id, None)
        if asset["status"] != "active":
            raise Conflict(f"The asset {asset_id} is {asset['status']}; its mileage is no longer followed.",
                           status=asset["status"])
        keep_reading(session, asset, km, read_at.date(), moment, actor, correction)
        HistoryRepository(session).add(customer_id, moment, actor, "odometer_recorded", {
            "asset": [None, {"id": asset_id, "plate": asset.get("plate")}],
            "odometer_km": [asset["odometer_km"], km], **({"correction": [None, True]} if correction else {})})
        emit(session, events.ODOMETER_RECORDED, customer_id, {
            "customer_id": customer_id, "asset_id": asset_id, "odometer_km": km, "read_at": read_at.astimezone(UTC),
            "source": "reading", "recorded_by": actor, "correction": correction})
    return {"asset_id": asset_id, "km": km, "read_on": read_at.date(), "read_at": read_at.astimezone(UTC),
            "correction": correction, "source": "reading", "recorded_by": actor, "recorded_at": moment,
            "visit_id": None, "voided_at": None}
