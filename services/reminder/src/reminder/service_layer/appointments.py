"""Appointments (预约): booked from a task or directly, kept by a matching visit, missed, or cancelled."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from servicekit.db import unit_of_work
from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session, sessionmaker

from reminder import events
from reminder.adapters.appointments import AppointmentRepository
from reminder.adapters.asset_copy import AssetCopy
from reminder.adapters.clock import now
from reminder.adapters.customer_copy import CustomerCopy, Scope
from reminder.adapters.reminder_rules import RuleRepository
from reminder.adapters.reminders import ReminderRepository
from reminder.domain.appointments import keeps
from reminder.domain.errors import Conflict, InvalidFields, NotFound
from reminder.domain.reminder_rules import Rule
from reminder.service_layer.emit import emit_appointment, emit_reminder, store_of
from reminder.service_layer.queries import appointment_one, guard, reachable_appointment

FOLLOW_UP_RULE = "no_show_follow_up"


def window(rule: Rule | None) -> tuple[int, int]:
    """Hours before and after the scheduled time in which a visit keeps an appointment."""
    if rule is None:
        return 24, 48
    return rule.param("hours_before"), rule.param("hours_after")


def get(session: Session, appointment_id: str) -> Any:
    """One appointment's row, or NotFound."""
    row = AppointmentRepository(session).get(appointment_id)
    if row is None:
        raise NotFound("appointment", appointment_id)
    return row


def _check_booking(session: Session, values: dict[str, Any]) -> Any:
    """The customer's row, when the customer, asset and reminder of a booking are known here and it is not
    in the past (InvalidFields naming the field otherwise)."""
    customer = CustomerCopy(session).get(values["customer_id"])
    if customer is None or customer.merged_into is not None:
        hint = f" (merged into {customer.merged_into})" if customer is not None else ""
        raise InvalidFields.one("customer_id", f"No customer {values['customer_id']} is known here{hint}.")
    if customer.erased_at is not None:
        raise InvalidFields.one("customer_id", "The customer's personal data was erased.")
    asset_id = values.get("asset_id")
    if asset_id is not None and not AssetCopy(session).belongs_to(asset_id, customer.id):
        raise InvalidFields.one("asset_id", f"The customer has no asset {asset_id}.")
    reminder_id = values.get("reminder_id")
    if reminder_id is not None and not ReminderRepository(session).belongs_to(reminder_id, customer.id):
        raise InvalidFields.one("reminder_id", f"The customer has no reminder {reminder_id}.")
    if values["scheduled_at"] < now() - timedelta(hours=1):
        raise InvalidFields.one("scheduled_at", "An appointment cannot be booked in the past.")
    return customer


def book(sessions: sessionmaker[Session], values: dict[str, Any], actor: str, scope: Scope) -> dict[str, Any]:
    """Book an appointment; emits appointment.booked.v1. The customer must be known to this service."""
    with unit_of_work(sessions) as session:
        guard(session, values["customer_id"], scope)
        customer = _check_booking(session, values)
        appointment_id = str(uuid.uuid4())
        AppointmentRepository(session).add(
            id=appointment_id, customer_id=customer.id, asset_id=values.get("asset_id"),
            reminder_id=values.get("reminder_id"), purpose=values["purpose"], scheduled_at=values["scheduled_at"],
            booked_by=actor, status="booked", created_at=now())
        emit_appointment(session, events.APPOINTMENT_BOOKED, get(session, appointment_id))
        return appointment_one(session, appointment_id)


def cancel(sessions: sessionmaker[Session], appointment_id: str, reason: str | None, actor: str,
           scope: Scope) -> dict[str, Any]:
    """Call off a booked appointment; emits appointment.cancelled.v1."""
    with unit_of_work(sessions) as session:
        reachable_appointment(session, appointment_id, scope)
        repository = AppointmentRepository(session)
        row = repository.get(appointment_id, for_update=True)
        if row is None:
            raise NotFound("appointment", appointment_id)
        if row.status != "booked":
            raise Conflict(f"Appointment {appointment_id} is {row.status}; only a booked one can be cancelled.",
                           current_status=row.status, allowed="nothing: it is settled")
        repository.change(appointment_id, status="cancelled", closed_at=now())
        emit_appointment(session, events.APPOINTMENT_CANCELLED, get(session, appointment_id), cancelled_by=actor,
                         reason=reason)
        return appointment_one(session, appointment_id)


def keep_appointments(session: Session, customer_id: str, visit_id: str, visit_kind: str, visited_at: datetime,
                      visit_asset_id: str | None) -> None:
    """Mark kept the customer's booked (or just missed) appointments that this visit matches."""
    before, after = window(RuleRepository(session).get(FOLLOW_UP_RULE))
    repository = AppointmentRepository(session)
    for row in repository.waiting_for_visit(customer_id):
        if keeps(row.purpose, as_utc(row.scheduled_at), row.asset_id, visit_kind, visited_at, visit_asset_id,
                 before, after):
            repository.change(row.id, status="kept", visit_id=visit_id, visited_at=visited_at, closed_at=now())
            if row.follow_up_reminder_id is not None:  # the visit's event came after the no-show was called
                ReminderRepository(session).cancel_open(row.follow_up_reminder_id, now(),
                                                        "the appointment was kept after all")
            emit_appointment(session, events.APPOINTMENT_KEPT, get(session, row.id), visit_id=visit_id,
                             visited_at=visited_at)
            return  # one visit keeps one appointment


def _follow_up(session: Session, rule: Rule, row: Any, moment: datetime) -> str:
    """A task for the booker (or the rule's owner) to call the customer who missed the appointment."""
    follow_up = str(uuid.uuid4())
    scheduled = as_utc(row.scheduled_at).isoformat(timespec="minutes")
    ReminderRepository(session).add(
        id=follow_up, key=f"{rule.id}:{row.id}", rule_id=rule.id, kind=rule.kind, customer_id=row.customer_id,
        asset_id=row.asset_id, due_at=moment, status="due", owner=rule.owner or row.booked_by,
        reason=f"missed the {row.purpose} appointment of {scheduled}: call to book again",
        task=True, created_at=moment, fired_at=moment)
    return follow_up


def mark_no_shows(session: Session, moment: datetime, limit: int = 500) -> int:
    """Appointments whose window has passed without a visit: no-show, and a follow-up task for the booker."""
    rule = RuleRepository(session).get(FOLLOW_UP_RULE)
    _, after = window(rule)
    repository = AppointmentRepository(session)
    rows = repository.missed(moment - timedelta(hours=after), limit)
    for row in rows:
        follow_up = _follow_up(session, rule, row, moment) if rule is not None and rule.enabled else None
        repository.change(row.id, status="no_show", follow_up_reminder_id=follow_up, closed_at=moment)
        emit_appointment(session, events.APPOINTMENT_NO_SHOW, get(session, row.id), follow_up_reminder_id=follow_up)
        if follow_up is not None:
            emit_reminder(session, events.REMINDER_DUE, ReminderRepository(session).get(follow_up),
                          store_of(session, row.customer_id))
    return len(rows)
