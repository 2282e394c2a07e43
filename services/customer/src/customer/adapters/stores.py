"""Storing and loading the stores of the group."""
from __future__ import annotations

from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from customer.adapters.tables import customers, stores


class StoreRepository:
    """Stores in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, store_id: str) -> dict[str, Any] | None:
        """The store, or None."""
        row = self.session.execute(select(stores).where(stores.c.id == store_id)).mappings().first()
        return None if row is None else self._with_counts([dict(row)])[0]

    def existing(self, store_ids: list[str]) -> set[str]:
        """Which of `store_ids` exist."""
        return set(self.session.execute(select(stores.c.id).where(stores.c.id.in_(store_ids))).scalars())

    def page(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of stores by id, and how many there are."""
        total = self.session.execute(select(func.count()).select_from(stores)).scalar_one()
        rows = self.session.execute(select(stores).order_by(stores.c.id).offset(offset).limit(limit)).mappings()
        return self._with_counts([dict(row) for row in rows]), total

    def add(self, store: dict[str, Any]) -> None:
        """Insert a new store."""
        self.session.execute(insert(stores).values(**{column.name: store.get(column.name) for column in stores.c}))

    def update(self, store_id: str, values: dict[str, Any]) -> None:
        """Write the given fields of a store."""
        self.session.execute(update(stores).where(stores.c.id == store_id).values(**values))

    def _with_counts(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # rows of two columns are (store, count) pairs
        counts: dict[str, int] = dict(self.session.execute(  # type: ignore[arg-type]
            select(customers.c.store_id, func.count()).where(customers.c.store_id.in_([row["id"] for row in rows]),
                                                             customers.c.erased_at.is_(None))
            .group_by(customers.c.store_id)).all())
        for row in rows:
            row.update(created_at=as_utc(row["created_at"]), customers=counts.get(row["id"], 0))
        return rows
