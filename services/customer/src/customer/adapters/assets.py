"""Storing and loading assets and their odometer readings."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from customer.adapters.tables import assets, odometer_readings
from customer.domain.odometer import Reading

_FIELDS = ("id", "customer_id", "kind", "model", "plate", "vin", "delivered_on", "expires_on", "description",
           "created_at", "version", "status", "updated_at", "voided_at", "voided_by", "void_reason")
#: What a correction, a transfer or a void writes.
_WRITTEN = ("customer_id", "model", "plate", "vin", "delivered_on", "expires_on", "description", "version", "status",
            "updated_at", "voided_at", "voided_by", "void_reason")
#: A reading counts unless it was set aside (its visit voided, or corrected by a later reading).
_LIVE = odometer_readings.c.voided_at.is_(None)


class AssetRepository:
    """Assets in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, asset_id: str, for_update: bool = False) -> dict[str, Any] | None:
        """The asset with `asset_id` and its latest odometer reading, or None; `for_update` locks its row."""
        query = select(assets).where(assets.c.id == asset_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return None if row is None else self._public(row)

    def of_customer(self, customer_id: str, offset: int, limit: int,
                    include_voided: bool = False) -> tuple[list[dict[str, Any]], int]:
        """One page of a customer's assets (oldest first) and how many there are; voided ones only if asked."""
        where = [assets.c.customer_id == customer_id]
        if not include_voided:
            where.append(assets.c.voided_at.is_(None))
        total = self.session.execute(select(func.count()).where(*where)).scalar_one()
        rows = self.session.execute(select(assets).where(*where)
                                    .order_by(assets.c.created_at, assets.c.id).offset(offset).limit(limit))
        return [self._public(row) for row in rows.mappings()], total

    def vin_holder(self, vin: str) -> tuple[str, str] | None:
        """(asset id, customer id) of the asset with this VIN, if any."""
        row = self.session.execute(select(assets.c.id, assets.c.customer_id).where(assets.c.vin == vin)).first()
        return None if row is None else (row.id, row.customer_id)

    def add(self, asset: dict[str, Any], plate_key: str | None) -> None:
        """Insert a new asset."""
        self.session.execute(insert(assets).values(plate_key=plate_key, **{name: asset[name] for name in _FIELDS
                                                                           if name in asset}))

    def update(self, asset: dict[str, Any], expected_version: int, plate_key: str | None) -> bool:
        """Write a corrected, transferred or voided asset only if still at `expected_version`; True when written."""
        result = self.session.execute(update(assets).where(assets.c.id == asset["id"],
                                                           assets.c.version == expected_version)
                                      .values(plate_key=plate_key, **{name: asset.get(name) for name in _WRITTEN}))
        return result.rowcount == 1  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result

    def current_version(self, asset_id: str) -> int | None:
        """The committed version of an asset, read afresh."""
        return self.session.execute(select(assets.c.version).where(assets.c.id == asset_id)).scalar()

    def readings(self, asset_id: str) -> list[Reading]:
        """Every odometer reading of the asset that counts."""
        rows = self.session.execute(select(odometer_readings.c.km, odometer_readings.c.read_on)
                                    .where(odometer_readings.c.asset_id == asset_id, _LIVE))
        return [Reading(km=row.km, read_on=row.read_on) for row in rows]

    def add_reading(self, asset_id: str, reading: Reading, visit_id: str | None, recorded_at: Any,
                    source: str | None = None, recorded_by: str | None = None) -> None:
        """Keep a new odometer reading."""
        self.session.execute(insert(odometer_readings).values(
            asset_id=asset_id, km=reading.km, read_on=reading.read_on, visit_id=visit_id, recorded_at=recorded_at,
            source=source or ("visit" if visit_id else "registration"), recorded_by=recorded_by))

    def set_aside_readings_of_visit(self, visit_id: str, at: datetime) -> None:
        """The readings a visit brought no longer count (the visit was voided or its reading corrected)."""
        self.session.execute(update(odometer_readings).where(odometer_readings.c.visit_id == visit_id, _LIVE)
                             .values(voided_at=at))

    def set_aside_contradicting(self, asset_id: str, reading: Reading, at: datetime) -> int:
        """Set aside the readings a correcting `reading` shows wrong (more km on or before its day, fewer
        after it); how many."""
        result = self.session.execute(update(odometer_readings).where(
            odometer_readings.c.asset_id == asset_id, _LIVE,
            ((odometer_readings.c.read_on <= reading.read_on) & (odometer_readings.c.km > reading.km))
            | ((odometer_readings.c.read_on > reading.read_on) & (odometer_readings.c.km < reading.km)))
            .values(voided_at=at))
        return result.rowcount  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result

    def reading_page(self, asset_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the asset's readings, newest first, and how many there are (those set aside too)."""
        where = odometer_readings.c.asset_id == asset_id
        total = self.session.execute(select(func.count()).where(where)).scalar_one()
        rows = self.session.execute(
            select(odometer_readings.c.km, odometer_readings.c.read_on, odometer_readings.c.visit_id,
                   odometer_readings.c.recorded_at, odometer_readings.c.source, odometer_readings.c.recorded_by,
                   odometer_readings.c.voided_at).where(where)
            .order_by(odometer_readings.c.read_on.desc(), odometer_readings.c.id.desc()).offset(offset).limit(limit))
        return [{**row, "recorded_at": as_utc(row["recorded_at"]), "voided_at": as_utc(row["voided_at"])}
                for row in rows.mappings()], total

    def _public(self, row: Any) -> dict[str, Any]:
        latest = self.session.execute(
            select(odometer_readings.c.km).where(odometer_readings.c.asset_id == row["id"], _LIVE)
            .order_by(odometer_readings.c.read_on.desc(), odometer_readings.c.id.desc()).limit(1)).scalar()
        asset = {name: row[name] for name in _FIELDS}
        asset.update(created_at=as_utc(row["created_at"]), updated_at=as_utc(row["updated_at"]),
                     voided_at=as_utc(row["voided_at"]), odometer_km=latest)
        return asset
