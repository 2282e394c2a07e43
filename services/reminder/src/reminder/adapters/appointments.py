"""Storing appointments (预约): booked, kept by a visit, missed or cancelled."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reminder.adapters.tables import appointments


class AppointmentRepository:
    """Appointments in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, appointment_id: str, for_update: bool = False) -> Any | None:
        """The appointment's row, or None; `for_update` locks it until the transaction ends."""
        query = select(appointments).where(appointments.c.id == appointment_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).first()

    def add(self, **values: Any) -> None:
        """Add an appointment."""
        self.session.execute(appointments.insert().values(**values))

    def change(self, appointment_id: str, **values: Any) -> None:
        """Write some fields of an appointment."""
        self.session.execute(update(appointments).where(appointments.c.id == appointment_id).values(**values))

    def waiting_for_visit(self, customer_id: str) -> Sequence[Any]:
        """The customer's booked (or just missed) appointments, soonest first: those a visit may keep."""
        return self.session.execute(select(appointments).where(
            appointments.c.customer_id == customer_id, appointments.c.status.in_(("booked", "no_show")))
            .order_by(appointments.c.scheduled_at)).all()

    def missed(self, before: datetime, limit: int) -> Sequence[Any]:
        """Up to `limit` booked appointments scheduled before `before`, locked (SKIP LOCKED: replicas take
        different ones)."""
        return self.session.execute(select(appointments).where(
            appointments.c.status == "booked", appointments.c.scheduled_at < before)
            .order_by(appointments.c.scheduled_at).limit(limit).with_for_update(skip_locked=True)).all()

    def missed_at(self, follow_up_reminder_id: str) -> datetime | None:
        """When the appointment whose follow-up is this reminder was scheduled."""
        return self.session.execute(select(appointments.c.scheduled_at).where(
            appointments.c.follow_up_reminder_id == follow_up_reminder_id)).scalar()
