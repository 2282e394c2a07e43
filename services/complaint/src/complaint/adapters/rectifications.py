"""Rectification notices (整改通知单)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from complaint.adapters.complaints import as_utc
from complaint.adapters.tables import rectifications


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

    def complete(self, notice_id: str, outcome: str, actor: str, at: Any) -> bool:
        """Mark an open notice done; False when it was not open."""
        result = self.session.execute(update(rectifications).where(
            rectifications.c.id == notice_id, rectifications.c.status == "open").values(
            status="done", outcome=outcome, done_by=actor, done_at=at))
        return result.rowcount == 1
