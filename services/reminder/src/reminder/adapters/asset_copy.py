"""This service's copy of the customers' assets (vehicles, contracts), their odometer readings and the visits,
kept from the customer service's events."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from reminder.adapters.tables import assets, readings, visits


class AssetCopy:
    """Assets and their odometer readings in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, asset_id: str) -> Any | None:
        """The asset's row, or None."""
        return self.session.execute(select(assets).where(assets.c.id == asset_id)).first()

    def customer_of(self, asset_id: str) -> str | None:
        """Whose asset it is (None when unknown here)."""
        return self.session.execute(select(assets.c.customer_id).where(assets.c.id == asset_id)).scalar()

    def belongs_to(self, asset_id: str, customer_id: str) -> bool:
        """True when the customer has this asset."""
        return self.session.execute(select(assets.c.id).where(
            assets.c.id == asset_id, assets.c.customer_id == customer_id)).first() is not None

    def add(self, asset_id: str, values: dict[str, Any]) -> None:
        """Keep an asset seen for the first time."""
        self.session.execute(assets.insert().values(id=asset_id, **values))

    def change(self, asset_id: str, **values: Any) -> None:
        """Write some fields of a kept asset."""
        self.session.execute(update(assets).where(assets.c.id == asset_id).values(**values))

    def set_delivered_on(self, asset_id: str, day: date) -> None:
        """The asset's delivery day, unless one is known already."""
        self.session.execute(update(assets).where(assets.c.id == asset_id, assets.c.delivered_on.is_(None))
                             .values(delivered_on=day))

    def add_reading(self, asset_id: str, read_on: date, km: int, source: str) -> None:
        """An odometer reading from `source` (a visit's id, "registered" …), unless it is kept already."""
        exists = self.session.execute(select(readings.c.id).where(readings.c.asset_id == asset_id,
                                                                  readings.c.source == source)).first()
        if exists is None:
            self.session.execute(readings.insert().values(asset_id=asset_id, read_on=read_on, km=km, source=source))

    def insert_reading(self, asset_id: str, read_on: date, km: int, source: str) -> None:
        """A new odometer reading (one per asset and source)."""
        self.session.execute(readings.insert().values(asset_id=asset_id, read_on=read_on, km=km, source=source))

    def set_reading(self, asset_id: str, source: str, read_on: date | None, km: int | None) -> None:
        """The reading of `source` as now known: replaced, or dropped when none."""
        self.session.execute(delete(readings).where(readings.c.asset_id == asset_id, readings.c.source == source))
        if read_on is not None and km is not None:
            self.session.execute(readings.insert().values(asset_id=asset_id, read_on=read_on, km=km, source=source))

    def has_reading(self, asset_id: str, read_on: date, km: int) -> bool:
        """True when the asset has this reading on this day already."""
        return self.session.execute(select(readings.c.id).where(
            readings.c.asset_id == asset_id, readings.c.read_on == read_on, readings.c.km == km)).first() is not None

    def drop_readings(self, asset_id: str | None = None, source: str | None = None) -> None:
        """Forget the readings of an asset, or those a visit (`source`) gave."""
        where = readings.c.asset_id == asset_id if asset_id is not None else readings.c.source == source
        self.session.execute(delete(readings).where(where))


class VisitCopy:
    """Visits in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, visit_id: str) -> Any | None:
        """The visit's row, or None."""
        return self.session.execute(select(visits).where(visits.c.id == visit_id)).first()

    def add(self, visit_id: str, values: dict[str, Any]) -> None:
        """Keep a visit seen for the first time (or the tombstone of one voided before it was seen)."""
        self.session.execute(visits.insert().values(id=visit_id, **values))

    def change(self, visit_id: str, **values: Any) -> None:
        """Write some fields of a kept visit."""
        self.session.execute(update(visits).where(visits.c.id == visit_id).values(**values))
