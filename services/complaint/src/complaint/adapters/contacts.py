"""Escalation contacts: who is told when a complaint of a store reaches a level."""
from __future__ import annotations

from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from complaint.adapters.tables import escalation_contacts
from complaint.domain.vocabulary import EVERY_STORE

_table = escalation_contacts


def _row(row: Any) -> dict[str, Any]:
    return {**dict(row), "updated_at": as_utc(row["updated_at"])}


class ContactRepository:
    """Escalation contacts in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def search(self, filters: dict[str, Any], skip: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """The contacts matching every filter (store, level), the group-wide defaults first, and how many."""
        where = and_(True, *(_table.c[name] == filters[name] for name in ("store_id", "level")
                             if filters.get(name) is not None))
        total = self.session.execute(select(func.count()).select_from(_table).where(where)).scalar_one()
        rows = self.session.execute(select(_table).where(where).order_by(
            (_table.c.store_id != EVERY_STORE), _table.c.store_id, _table.c.level).offset(skip).limit(size))
        return [_row(row) for row in rows.mappings()], total

    def get(self, contact_id: str) -> dict[str, Any] | None:
        """One contact, or None."""
        row = self.session.execute(select(_table).where(_table.c.id == contact_id)).mappings().first()
        return None if row is None else _row(row)

    def find(self, store_id: str, level: str) -> dict[str, Any] | None:
        """The contact for exactly this store and level, or None."""
        row = self.session.execute(select(_table).where(_table.c.store_id == store_id, _table.c.level == level)
                                   ).mappings().first()
        return None if row is None else _row(row)

    def directory(self, store_ids: set[str | None] | None = None) -> dict[tuple[str, str], str]:
        """(store_id, level) -> username, for `store_ids` (every store when None) and the group-wide defaults."""
        query = select(_table.c.store_id, _table.c.level, _table.c.username)
        if store_ids is not None:
            query = query.where(or_(_table.c.store_id == EVERY_STORE,
                                    _table.c.store_id.in_(sorted(s for s in store_ids if s is not None))))
        return {(store, level): username for store, level, username in self.session.execute(query)}

    def add(self, values: dict[str, Any]) -> None:
        """Insert a contact."""
        self.session.execute(insert(_table).values(**values))

    def update(self, contact_id: str, values: dict[str, Any]) -> None:
        """Change a contact."""
        self.session.execute(update(_table).where(_table.c.id == contact_id).values(**values))

    def delete(self, contact_id: str) -> None:
        """Remove a contact."""
        self.session.execute(delete(_table).where(_table.c.id == contact_id))
