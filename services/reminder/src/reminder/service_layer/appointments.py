"""Appointments (预约): booked from a task or directly, kept by a matching visit, or missed."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reminder import events
from reminder.adapters.clock import aware, now
from reminder.adapters.facts import customer_row
from reminder.adapters.rules import get_row, to_rule
from reminder.adapters.tables import appointments, assets, reminders
from reminder.domain.appointments import keeps
from reminder.domain.errors import Conflict, InvalidFields, NotFound
from reminder.service_layer.emit import emit_appointment, emit_reminder, store_of

FOLLOW_UP_RULE = "no_show_follow_up"


def window(session: Session) -> tuple[int, int]:
    """Hours before and after the scheduled time in which a visit keeps an appointment."""
    row = get_row(session, FOLLOW_UP_RULE)
    rule = to_rule(row) if row is not None else None
    if rule is None:
        return 24, 48
    return rule.param("hours_before"), rule.param("hours_after")


def book(session: Session, values: dict[str, Any], actor: str) -> Any:
    """Book an appointment; emits appointment.booked.v1. The customer must be known to this service."""
    customer = customer_row(session, values["customer_id"])
    if customer is None or customer.merged_into is not None:
        hint = f" (merged into {customer.merged_into})" if customer is not None else ""
        raise InvalidFields.one("customer_id", f"No customer {values['customer_id']} is known here{hint}.")
    if customer.erased_at is not None:
        raise InvalidFields.one("customer_id", "The customer's personal data was erased.")
    asset_id = values.get("asset_id")
    if asset_id is not None and session.execute(select(assets.c.id).where(
            assets.c.id == asset_id, assets.c.customer_id == customer.id)).first() is None:
        raise InvalidFields.one("asset_id", f"The customer has no asset {asset_id}.")
    reminder_id = values.get("reminder_id")
    if reminder_id is not None and session.execute(select(reminders.c.id).where(
            reminders.c.id == reminder_id, reminders.c.customer_id == customer.id)).first() is None:
        raise InvalidFields.one("reminder_id", f"The customer has no reminder {reminder_id}.")
    moment = now()
    if values["scheduled_at"] < moment - timedelta(hours=1):
        raise InvalidFields.one("scheduled_at", "An appointment cannot be booked in the past.")
    appointment_id = str(uuid.uuid4())
    session.execute(appointments.insert().values(
        id=appointment_id, customer_id=customer.id, asset_id=asset_id, reminder_id=reminder_id,
        purpose=values["purpose"], scheduled_at=values["scheduled_at"], booked_by=actor, status="booked",
        created_at=moment))
    row = get(session, appointment_id)
    emit_appointment(session, events.APPOINTMENT_BOOKED, row)
    return row


def get(session: Session, appointment_id: str) -> Any:
    """One appointment's row, or NotFound."""
    row = session.execute(select(appointments).where(appointments.c.id == appointment_id)).first()
    if row is None:
        raise NotFound("appointment", appointment_id)
    return row


def cancel(session: Session, appointment_id: str, reason: str | None, actor: str) -> Any:
    """Call off a booked appointment; emits appointment.cancelled.v1."""
    row = session.execute(select(appointments).where(appointments.c.id == appointment_id).with_for_update()).first()
    if row is None:
        raise NotFound("appointment", appointment_id)
    if row.status != "booked":
        raise Conflict(f"Appointment {appointment_id} is {row.status}; only a booked one can be cancelled.",
                       current_status=row.status, allowed="nothing: it is settled")
    session.execute(update(appointments).where(appointments.c.id == appointment_id).values(
        status="cancelled", closed_at=now()))
    cancelled = get(session, appointment_id)
    emit_appointment(session, events.APPOINTMENT_CANCELLED, cancelled, cancelled_by=actor, reason=reason)
    return cancelled


def keep_appointments(session: Session, customer_id: str, visit_id: str, visit_kind: str, visited_at: datetime,
                      visit_asset_id: str | None) -> None:
    """Mark kept the customer's booked (or just missed) appointments that this visit matches."""
    before, after = window(session)
    rows = session.execute(select(appointments).where(
        appointments.c.customer_id == customer_id, appointments.c.status.in_(("booked", "no_show")))
        .order_by(appointments.c.scheduled_at)).all()
    for row in rows:
        if keeps(row.purpose, aware(row.scheduled_at), row.asset_id, visit_kind, visited_at, visit_asset_id,
                 before, after):
            session.execute(update(appointments).where(appointments.c.id == row.id).values(
                status="kept", visit_id=visit_id, visited_at=visited_at, closed_at=now()))
            if row.follow_up_reminder_id is not None:  # the visit's event came after the no-show was called
                session.execute(update(reminders).where(
                    reminders.c.id == row.follow_up_reminder_id, reminders.c.status.in_(("due", "claimed", "snoozed")))
                    .values(status="cancelled", cancelled_at=now(), cancel_reason="the appointment was kept after all"))
            emit_appointment(session, events.APPOINTMENT_KEPT, get(session, row.id), visit_id=visit_id,
                             visited_at=visited_at)
            return  # one visit keeps one appointment


def mark_no_shows(session: Session, moment: datetime, limit: int = 500) -> int:
    """Appointments whose window has passed without a visit: no-show, and a follow-up task for the booker."""
    rule_row = get_row(session, FOLLOW_UP_RULE)
    rule = to_rule(rule_row) if rule_row is not None else None
    _, after = window(session)
    rows = session.execute(select(appointments).where(
        appointments.c.status == "booked", appointments.c.scheduled_at < moment - timedelta(hours=after))
        .order_by(appointments.c.scheduled_at).limit(limit).with_for_update(skip_locked=True)).all()
    for row in rows:
        follow_up = None
        if rule is not None and rule.enabled:
            follow_up = str(uuid.uuid4())
            owner = rule.owner or row.booked_by
            scheduled = aware(row.scheduled_at).isoformat(timespec="minutes")
            session.execute(reminders.insert().values(
                id=follow_up, key=f"{rule.id}:{row.id}", rule_id=rule.id, kind=rule.kind,
                customer_id=row.customer_id, asset_id=row.asset_id, due_at=moment, status="due", owner=owner,
                reason=f"missed the {row.purpose} appointment of {scheduled}: call to book again",
                task=True, created_at=moment, fired_at=moment))
        session.execute(update(appointments).where(appointments.c.id == row.id).values(
            status="no_show", follow_up_reminder_id=follow_up, closed_at=moment))
        emit_appointment(session, events.APPOINTMENT_NO_SHOW, get(session, row.id), follow_up_reminder_id=follow_up)
        if follow_up is not None:
            reminder = session.execute(select(reminders).where(reminders.c.id == follow_up)).one()
            emit_reminder(session, events.REMINDER_DUE, reminder, store_of(session, row.customer_id))
    return len(rows)
