"""Storing and loading visits."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from customer.adapters.rows import as_utc
from customer.adapters.tables import visits
from customer.domain.changes import jsonable


class VisitRepository:
    """Visits in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, visit: dict[str, Any]) -> None:
        """Insert a visit (its details stored as JSON; the amount as an exact decimal string)."""
        self.session.execute(insert(visits).values(**{**visit, "details": jsonable(visit["details"])}))

    def of_customer(self, customer_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of a customer's visits, newest first, and how many there are."""
        where = visits.c.customer_id == customer_id
        total = self.session.execute(select(func.count()).where(where)).scalar_one()
        rows = self.session.execute(select(visits).where(where)
                                    .order_by(visits.c.occurred_at.desc(), visits.c.created_at.desc())
                                    .offset(offset).limit(limit)).mappings()
        return [self._public(row) for row in rows], total

    @staticmethod
    def _public(row: Any) -> dict[str, Any]:
        visit = dict(row)
        details = dict(visit["details"])
        if "amount" in details:
            details["amount"] = Decimal(details["amount"])
        visit.update(details=details, occurred_at=as_utc(visit["occurred_at"]),
                     created_at=as_utc(visit["created_at"]))
        return visit
