"""Storing and loading visits."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from customer.adapters.tables import visits
from customer.domain.changes import jsonable

#: Columns a correction or a void writes.
_WRITTEN = ("occurred_at", "asset_id", "staff", "notes", "details", "version", "updated_at", "voided_at",
            "voided_by", "void_reason", "effects")


class VisitRepository:
    """Visits in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, visit: dict[str, Any]) -> None:
        """Insert a visit (its details stored as JSON; the amount as an exact decimal string)."""
        columns = {column.name for column in visits.columns}
        values = {key: value for key, value in visit.items() if key in columns}
        self.session.execute(insert(visits).values(**{**values, "details": jsonable(visit["details"])}))

    def get(self, visit_id: str, for_update: bool = False) -> dict[str, Any] | None:
        """The visit with `visit_id`, or None; `for_update` locks its row until commit."""
        query = select(visits).where(visits.c.id == visit_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return None if row is None else self._public(row)

    def update(self, visit: dict[str, Any], expected_version: int) -> bool:
        """Write a corrected or voided visit only if it is still at `expected_version`; True when written."""
        values = {name: visit.get(name) for name in _WRITTEN}
        values["details"] = jsonable(values["details"])
        result = self.session.execute(update(visits).where(visits.c.id == visit["id"],
                                                           visits.c.version == expected_version).values(**values))
        return result.rowcount == 1  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result

    def live_of_kind(self, customer_id: str, kind: str, other_than: str) -> int:
        """How many visits of `kind` the customer has that are not voided, besides `other_than`."""
        return self.session.execute(select(func.count()).where(
            visits.c.customer_id == customer_id, visits.c.kind == kind, visits.c.voided_at.is_(None),
            visits.c.id != other_than)).scalar_one()

    def of_customer(self, customer_id: str, offset: int, limit: int,
                    voided: bool | None = None) -> tuple[list[dict[str, Any]], int]:
        """One page of a customer's visits, newest first, and how many there are (`voided`: only the voided
        ones, only the others, or None: all)."""
        where = [visits.c.customer_id == customer_id]
        if voided is not None:
            where.append(visits.c.voided_at.is_not(None) if voided else visits.c.voided_at.is_(None))
        total = self.session.execute(select(func.count()).where(*where)).scalar_one()
        rows = self.session.execute(select(visits).where(*where)
                                    .order_by(visits.c.occurred_at.desc(), visits.c.created_at.desc())
                                    .offset(offset).limit(limit)).mappings()
        return [self._public(row) for row in rows], total

    def ids(self, visit_ids: Iterable[str]) -> set[str]:
        """Those of `visit_ids` that are stored."""
        return set(self.session.execute(select(visits.c.id).where(visits.c.id.in_(list(visit_ids)))).scalars())

    @staticmethod
    def _public(row: Any) -> dict[str, Any]:
        visit = dict(row)
        details = dict(visit["details"])
        if "amount" in details:
            details["amount"] = Decimal(details["amount"])
        visit.update(details=details, occurred_at=as_utc(visit["occurred_at"]),
                     created_at=as_utc(visit["created_at"]), updated_at=as_utc(visit.get("updated_at")),
                     voided_at=as_utc(visit.get("voided_at")))
        return visit
