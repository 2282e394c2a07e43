"""Reading the customers of RFM cells from the customer copy, newest last visit first (a segment's page)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import literal_column, select, tuple_, union_all
from sqlalchemy.orm import Session

from reporting.adapters.tables import customers as table

COLUMNS = (table.c.id, table.c.name, table.c.phone, table.c.kind, table.c.store_id, table.c.last_visit_day,
           table.c.visit_count, table.c.spend_fen)


def newest_in_cells(session: Session, cells: Sequence[int], low: date, high: date, stores: tuple[str, ...] | None,
                    cursor: tuple[date, str] | None, limit: int) -> list[Any]:
    """Up to `limit` customers (not merged away) of the `fm` cells `cells` whose last visit is in low..high,
    newest first, after `cursor` (last visit day, id) when given: one index range per cell, merged in one query."""
    parts = []
    for fm in cells:
        query = select(*COLUMNS).where(table.c.fm == fm, table.c.last_visit_day.between(low, high),
                                       table.c.merged_into.is_(None))
        if stores is not None:
            query = query.where(table.c.store_id.in_(stores))
        if cursor is not None:
            # SQLAlchemy binds the plain values; its types want expressions
            query = query.where(tuple_(table.c.last_visit_day, table.c.id) < tuple_(*cursor))  # type: ignore[arg-type]
        parts.append(select(query.order_by(table.c.last_visit_day.desc(), table.c.id.desc()).limit(limit).subquery()))
    merged = union_all(*parts).subquery()
    return list(session.execute(select(merged).order_by(literal_column("last_visit_day").desc(),
                                                        literal_column("id").desc()).limit(limit)).all())
