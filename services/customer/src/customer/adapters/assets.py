"""Storing and loading assets and their odometer readings."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from customer.adapters.rows import as_utc
from customer.adapters.tables import assets, odometer_readings
from customer.domain.odometer import Reading

_FIELDS = ("id", "customer_id", "kind", "model", "plate", "vin", "delivered_on", "expires_on", "description",
           "created_at")


class AssetRepository:
    """Assets in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, asset_id: str) -> dict[str, Any] | None:
        """The asset with `asset_id` and its latest odometer reading, or None."""
        row = self.session.execute(select(assets).where(assets.c.id == asset_id)).mappings().first()
        return None if row is None else self._public(row)

    def of_customer(self, customer_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of a customer's assets (oldest first) and how many there are."""
        total = self.session.execute(select(func.count()).where(assets.c.customer_id == customer_id)).scalar_one()
        rows = self.session.execute(select(assets).where(assets.c.customer_id == customer_id)
                                    .order_by(assets.c.created_at, assets.c.id).offset(offset).limit(limit))
        return [self._public(row) for row in rows.mappings()], total

    def vin_holder(self, vin: str) -> tuple[str, str] | None:
        """(asset id, customer id) of the asset with this VIN, if any."""
        row = self.session.execute(select(assets.c.id, assets.c.customer_id).where(assets.c.vin == vin)).first()
        return None if row is None else (row.id, row.customer_id)

    def add(self, asset: dict[str, Any], plate_key: str | None) -> None:
        """Insert a new asset."""
        self.session.execute(insert(assets).values(plate_key=plate_key, **{name: asset.get(name) for name in _FIELDS}))

    def readings(self, asset_id: str) -> list[Reading]:
        """Every odometer reading of the asset."""
        rows = self.session.execute(select(odometer_readings.c.km, odometer_readings.c.read_on)
                                    .where(odometer_readings.c.asset_id == asset_id))
        return [Reading(km=row.km, read_on=row.read_on) for row in rows]

    def add_reading(self, asset_id: str, reading: Reading, visit_id: str | None, recorded_at: Any) -> None:
        """Keep a new odometer reading."""
        self.session.execute(insert(odometer_readings).values(
            asset_id=asset_id, km=reading.km, read_on=reading.read_on, visit_id=visit_id, recorded_at=recorded_at))

    def reading_page(self, asset_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the asset's readings, newest first, and how many there are."""
        where = odometer_readings.c.asset_id == asset_id
        total = self.session.execute(select(func.count()).where(where)).scalar_one()
        rows = self.session.execute(
            select(odometer_readings.c.km, odometer_readings.c.read_on, odometer_readings.c.visit_id,
                   odometer_readings.c.recorded_at).where(where)
            .order_by(odometer_readings.c.read_on.desc(), odometer_readings.c.id.desc()).offset(offset).limit(limit))
        return [{**row, "recorded_at": as_utc(row["recorded_at"])} for row in rows.mappings()], total

    def _public(self, row: Any) -> dict[str, Any]:
        latest = self.session.execute(
            select(odometer_readings.c.km).where(odometer_readings.c.asset_id == row["id"])
            .order_by(odometer_readings.c.read_on.desc(), odometer_readings.c.id.desc()).limit(1)).scalar()
        asset = {name: row[name] for name in _FIELDS}
        asset.update(created_at=as_utc(row["created_at"]), odometer_km=latest)
        return asset
