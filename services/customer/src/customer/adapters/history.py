"""The change history of customers (who, when, what: old -> new)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from customer.adapters.tables import history


class HistoryRepository:
    """History entries in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, customer_id: str, at: datetime, actor: str, action: str, changes: dict[str, list[Any]]) -> None:
        """Keep one entry."""
        self.session.execute(insert(history).values(customer_id=customer_id, at=at, actor=actor, action=action,
                                                    changes=changes))

    def of_customer(self, customer_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of a customer's history, newest first, and how many entries there are."""
        where = history.c.customer_id == customer_id
        total = self.session.execute(select(func.count()).where(where)).scalar_one()
        rows = self.session.execute(
            select(history.c.at, history.c.actor, history.c.action, history.c.changes).where(where)
            .order_by(history.c.id.desc()).offset(offset).limit(limit)).mappings()
        return [{**row, "at": as_utc(row["at"])} for row in rows], total
