"""Storing merges: the records as they were, the rows moved, and moving them back on undo."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import Date, DateTime, Integer, Numeric, String, cast, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from customer.adapters.tables import customer_merges, customers, merge_moves, metadata
from customer.domain.changes import jsonable

#: Tables whose rows belong to a customer and follow them into the survivor (the points ledger and
#: consent records too: the survivor's balance is the sum of its ledger, its consent has its proof).
MOVED_TABLES = ("assets", "visits", "history", "points_ledger", "consent_records")
_BATCH = 1000


def snapshot(customer: dict[str, Any]) -> dict[str, Any]:
    """A customer record (every column, its phones and tags) as JSON, to be restored exactly."""
    return jsonable(customer)


def restore_columns(saved: dict[str, Any]) -> dict[str, Any]:
    """The column values of a snapshot, in their Python types again (dates, times, decimals)."""
    values: dict[str, Any] = {}
    for column in customers.columns:
        value = saved.get(column.name)
        if value is not None and isinstance(column.type, DateTime):
            value = as_utc(datetime.fromisoformat(value))
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        elif value is not None and isinstance(column.type, Numeric) and not isinstance(column.type, Integer):
            value = Decimal(value)
        values[column.name] = value
    return {**saved, **values}


class MergeRepository:
    """Merges in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def rows_of(self, customer_id: str) -> dict[str, int]:
        """How many rows of each moved table belong to the customer."""
        counts = {}
        for name in MOVED_TABLES:
            table = metadata.tables[name]
            counts[name] = self.session.execute(
                select(func.count()).select_from(table).where(table.c.customer_id == customer_id)).scalar_one()
        return counts

    def move_rows(self, merge_id: str, from_id: str, to_id: str) -> None:
        """Give every row of `from_id` to `to_id`, remembering each one under the (stored) merge `merge_id`."""
        for name in MOVED_TABLES:
            table = metadata.tables[name]
            self.session.execute(insert(merge_moves).from_select(
                ["merge_id", "table_name", "row_id"],
                select(literal(merge_id, String), literal(name, String), cast(table.c.id, String(40)))
                .where(table.c.customer_id == from_id)))
            self.session.execute(update(table).where(table.c.customer_id == from_id).values(customer_id=to_id))

    def move_back(self, merge_id: str, to_id: str) -> None:
        """Give back to `to_id` exactly the rows the merge `merge_id` moved away from it."""
        for name in MOVED_TABLES:
            table = metadata.tables[name]
            convert = int if isinstance(table.c.id.type, Integer) else str
            row_ids = self.session.execute(select(merge_moves.c.row_id).where(
                merge_moves.c.merge_id == merge_id, merge_moves.c.table_name == name)).scalars().all()
            for start in range(0, len(row_ids), _BATCH):
                batch = [convert(row_id) for row_id in row_ids[start:start + _BATCH]]
                self.session.execute(update(table).where(table.c.id.in_(batch)).values(customer_id=to_id))
        self.session.execute(delete(merge_moves).where(merge_moves.c.merge_id == merge_id))

    def add(self, merge: dict[str, Any]) -> None:
        """Keep a merge."""
        self.session.execute(insert(customer_merges).values(**merge))

    def get(self, merge_id: str, for_update: bool = False) -> dict[str, Any] | None:
        """The merge with this id, or None; `for_update` locks it until commit."""
        query = select(customer_merges).where(customer_merges.c.id == merge_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return None if row is None else public(row)

    def mark_undone(self, merge_id: str, at: datetime, actor: str) -> None:
        """Record that the merge was undone, when and by whom."""
        self.session.execute(update(customer_merges).where(customer_merges.c.id == merge_id)
                             .values(undone_at=at, undone_by=actor))


def public(row: Any) -> dict[str, Any]:
    """A merge as the API shows it (without the saved records)."""
    merge = dict(row)
    for name in ("merged_at", "undo_until", "undone_at"):
        merge[name] = as_utc(merge[name])
    return merge
