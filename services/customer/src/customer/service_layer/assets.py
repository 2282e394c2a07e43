"""Use case: register an asset (a vehicle, a property unit, a service contract, ...); and the customer's asset
that a use case reads or changes."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.assets import AssetRepository
from customer.adapters.customers import CustomerRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.domain.assets import check_asset
from customer.domain.errors import Conflict, DuplicateVin, InvalidFields, NotFound, VersionConflict
from customer.domain.merge import refuse_merged
from customer.domain.odometer import Reading, check_reading
from customer.domain.privacy import refuse_erased
from customer.domain.vehicles import plate_key
from customer.service_layer.emit import emit


def _refuse_known_vin(repo: AssetRepository, vin: str | None) -> None:
    holder = repo.vin_holder(vin) if vin else None
    if holder is not None:
        raise DuplicateVin(vin, *holder)  # type: ignore[arg-type]


def register_asset(sessions: sessionmaker[Session], customer_id: str, values: dict[str, Any],
                   actor: str) -> dict[str, Any]:
    """Register an asset of the customer; its first odometer reading is kept when given."""
    moment = now()
    asset, odometer_km = new_asset(customer_id, values, moment)
    try:
        with unit_of_work(sessions) as session:
            # locked: an erasure of the same customer either comes first (and this refuses) or waits
            owner = CustomerRepository(session).get(customer_id, for_update=True)
            if owner is None:
                raise NotFound("customer", customer_id)
            asset = add_asset(session, owner, asset, odometer_km, actor, moment)
    except IntegrityError:
        with unit_of_work(sessions) as session:  # a concurrent request registered the VIN first
            _refuse_known_vin(AssetRepository(session), asset.get("vin"))
        raise
    return asset


def new_asset(customer_id: str, values: dict[str, Any], moment: datetime) -> tuple[dict[str, Any], int | None]:
    """(a new asset of the customer from `values`, checked by check_asset, with its id; its odometer reading)."""
    fields = check_asset(values)
    odometer_km = fields.pop("odometer_km", None)
    asset = {"id": str(uuid.uuid4()), "customer_id": customer_id, **fields, "created_at": moment, "version": 1,
             "status": "active"}
    return asset, odometer_km


def add_asset(session: Session, owner: dict[str, Any], asset: dict[str, Any], odometer_km: int | None, actor: str,
              moment: datetime) -> dict[str, Any]:
    """Register `asset` (from new_asset) of `owner` (locked) in the session's transaction: refused for a merged
    or erased owner and a VIN already registered; its first odometer reading, a history entry and
    asset.registered.v1. Returns the asset as stored."""
    customer_id = owner["id"]
    refuse_merged(owner)
    refuse_erased(owner)
    repo = AssetRepository(session)
    _refuse_known_vin(repo, asset.get("vin"))
    repo.add(asset, plate_key(asset["plate"]) if asset.get("plate") else None)
    if odometer_km is not None:
        reading = Reading(km=odometer_km, read_on=asset.get("delivered_on") or date.today())
        check_reading([], reading)
        repo.add_reading(asset["id"], reading, None, moment, "registration", actor)
    asset = repo.get(asset["id"]) or asset
    summary = {key: asset.get(key) for key in ("id", "kind", "model", "plate", "vin", "description")}
    HistoryRepository(session).add(customer_id, moment, actor, "asset_registered",
                                   {"asset": [None, {k: v for k, v in summary.items() if v is not None}]})
    emit(session, events.ASSET_REGISTERED, customer_id, {"customer_id": customer_id, "asset": asset})
    return asset


def customer_asset(session: Session, customer_id: str, asset_id: str, field: str | None = None) -> dict[str, Any]:
    """The asset `asset_id` of the customer; NotFound (or InvalidFields on `field`) when it is not theirs."""
    asset = AssetRepository(session).get(asset_id)
    if asset is None or asset["customer_id"] != customer_id:
        if field is not None:
            raise InvalidFields.one(field, f"The customer has no asset {asset_id}.")
        raise NotFound("asset", asset_id)
    if field is not None and asset["voided_at"] is not None:
        raise InvalidFields.one(field, f"The asset {asset_id} was voided (registered by mistake).")
    return asset


def locked_asset(session: Session, customer_id: str, asset_id: str, expected_version: int | None) -> dict[str, Any]:
    """The customer's asset, its row locked, for a change made on `expected_version` (None: any); NotFound,
    a Conflict when it was voided, or VersionConflict."""
    asset = AssetRepository(session).get(asset_id, for_update=True)
    if asset is None or asset["customer_id"] != customer_id:
        raise NotFound("asset", asset_id)
    if asset["voided_at"] is not None:
        raise Conflict(f"The asset {asset_id} was voided ({asset['void_reason']}); it is not changed any more.",
                       voided_at=asset["voided_at"].isoformat())
    if expected_version is not None and asset["version"] != expected_version:
        raise VersionConflict(expected_version, asset["version"], "asset")
    return asset
