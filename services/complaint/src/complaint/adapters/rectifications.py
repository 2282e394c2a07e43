"""Rectification notices (整改通知单)."""
from __future__ import annotations

from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import Session

from complaint.adapters.tables import complaints, rectifications


def _row(row: Any) -> dict[str, Any]:
    return {**dict(row), "issued_at": as_utc(row["issued_at"]), "done_at": as_utc(row["done_at"])}


class RectificationRepository:
    """Rectification notices in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, values: dict[str, Any]) -> None:
        """Insert a notice."""
        self.session.execute(insert(rectifications).values(**values))

    def get(self, complaint_id: str, notice_id: str, for_update: bool = False) -> dict[str, Any] | None:
        """One notice of the complaint, or None."""
        query = select(rectifications).where(rectifications.c.id == notice_id,
                                             rectifications.c.complaint_id == complaint_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return None if row is None else _row(row)

    def of_complaint(self, complaint_id: str) -> list[dict[str, Any]]:
        """Every notice of the complaint, oldest first."""
        rows = self.session.execute(select(rectifications).where(rectifications.c.complaint_id == complaint_id)
                                    .order_by(rectifications.c.issued_at, rectifications.c.id)).mappings()
        return [_row(row) for row in rows]

    def search(self, filters: dict[str, Any], skip: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """Notices matching every filter (department, status, complaint's store, `stores` the caller works for),
        the earliest due first (those with no due date last), and how many match."""
        conditions = [rectifications.c[name] == filters[name] for name in ("department", "status")
                      if filters.get(name) is not None]
        if filters.get("store_id") is not None:
            conditions.append(complaints.c.store_id == filters["store_id"])
        if filters.get("stores") is not None:
            conditions.append(complaints.c.store_id.in_(sorted(filters["stores"])))
        joined = rectifications.join(complaints, complaints.c.id == rectifications.c.complaint_id)
        where = and_(True, *conditions)
        total = self.session.execute(select(func.count()).select_from(joined).where(where)).scalar_one()
        rows = self.session.execute(
            select(rectifications, complaints.c.store_id).select_from(joined).where(where)
            .order_by(rectifications.c.due_on.is_(None), rectifications.c.due_on, rectifications.c.issued_at,
                      rectifications.c.id).offset(skip).limit(size)).mappings()
        return [_row(row) for row in rows], total

    def complete(self, notice_id: str, outcome: str, actor: str, at: Any) -> bool:
        """Mark an open notice done; False when it was not open."""
        result = self.session.execute(update(rectifications).where(
            rectifications.c.id == notice_id, rectifications.c.status == "open").values(
            status="done", outcome=outcome, done_by=actor, done_at=at))
        return result.rowcount == 1  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result
