"""Reading reminders, tasks, notifications, sent messages, KPIs, appointments and opt-outs for the API: each
use case reads in one transaction of its own, within the caller's stores."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from reminder.adapters.appointments import AppointmentRepository
from reminder.adapters.clock import now
from reminder.adapters.customer_copy import CustomerCopy, Scope
from reminder.adapters.listings import Listings
from reminder.adapters.notifications import NotificationRepository
from reminder.adapters.opt_outs import OptOutRepository
from reminder.adapters.reminders import ReminderRepository
from reminder.domain.errors import NotFound, check_reach
from reminder.domain.tasks import overdue_before
from reminder.service_layer.views import (
    appointment_dict,
    kpi_rows,
    message_dict,
    notification_dict,
    opt_out_dict,
    reminder_item,
)

UTC_ZONE = ZoneInfo("UTC")
Sessions = sessionmaker[Session]


def guard(session: Session, customer_id: str, scope: Scope) -> None:
    """OutOfReach (403) unless the customer belongs to one of the caller's stores (or the caller sees every store);
    a customer not known here is left to the use case to refuse (422)."""
    if scope is not None:
        row = CustomerCopy(session).get(customer_id)
        if row is not None:
            check_reach(scope, row.store_id)


def reachable_reminder(session: Session, reminder_id: str, scope: Scope) -> Any:
    """The reminder's row: NotFound when there is none, OutOfReach when its customer is of another store."""
    row = ReminderRepository(session).get(reminder_id)
    if row is None:
        raise NotFound("reminder", reminder_id)
    guard(session, row.customer_id, scope)
    return row


def reachable_appointment(session: Session, appointment_id: str, scope: Scope) -> Any:
    """The appointment's row: NotFound when there is none, OutOfReach when its customer is of another store."""
    row = AppointmentRepository(session).get(appointment_id)
    if row is None:
        raise NotFound("appointment", appointment_id)
    guard(session, row.customer_id, scope)
    return row


def reminder_one(session: Session, reminder_id: str, moment: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """One reminder as the lists show it."""
    return reminder_item(Listings(session).reminder(reminder_id), moment, zone)


def reminders_page(sessions: Sessions, filters: dict[str, Any], page: int, page_size: int,
                   tasks_only: bool = False, scope: Scope = None, zone: ZoneInfo = UTC_ZONE) -> dict[str, Any]:
    """Reminders matching every filter given, soonest due first, with who to call and why in words."""
    moment = now()
    with unit_of_work(sessions) as session:
        total, rows = Listings(session).reminders(filters, page, page_size, tasks_only, scope,
                                                  overdue_before(moment))
        items = [reminder_item(row, moment, zone) for row in rows]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def get_reminder(sessions: Sessions, reminder_id: str, scope: Scope, zone: ZoneInfo) -> dict[str, Any]:
    """One reminder with who to call, about which vehicle, why in words and the call script."""
    with unit_of_work(sessions) as session:
        return reminder_one(session, reachable_reminder(session, reminder_id, scope).id, now(), zone)


def notifications_of(sessions: Sessions, reminder_id: str, scope: Scope) -> list[dict[str, Any]]:
    """The notifications of a reminder, with why any was not sent."""
    with unit_of_work(sessions) as session:
        reachable_reminder(session, reminder_id, scope)
        return [notification_dict(row) for row in NotificationRepository(session).of_reminder(reminder_id)]


def messages_page(sessions: Sessions, filters: dict[str, Any], page: int, page_size: int,
                  scope: Scope = None) -> dict[str, Any]:
    """Sent messages matching every filter given (customer, channel, user, local outbox, sent in [from, to))."""
    with unit_of_work(sessions) as session:
        total, rows = NotificationRepository(session).sent_page(filters, page, page_size, scope)
    return {"items": [message_dict(row) for row in rows], "total": total, "page": page, "page_size": page_size}


def kpis(sessions: Sessions, by: str, start: datetime, end: datetime, scope: Scope = None) -> list[dict[str, Any]]:
    """Per owner or per rule, for tasks that fell due in [start, end): due, done, overdue, open; the
    appointments booked from them, kept and missed; booking rate (booked / due) and show-up rate (kept / booked)."""
    with unit_of_work(sessions) as session:
        tasks, booked = Listings(session).task_counts(by, start, end, scope, overdue_before(now()))
    return kpi_rows(by, tasks, booked)


def opt_out_list(sessions: Sessions, customer_id: str | None, scope: Scope = None) -> list[dict[str, Any]]:
    """Opt-outs, of one customer or all (at most 200)."""
    with unit_of_work(sessions) as session:
        return [opt_out_dict(row) for row in OptOutRepository(session).listing(customer_id, scope)]


def appointment_one(session: Session, appointment_id: str) -> dict[str, Any]:
    """One appointment as the API shows it."""
    return appointment_dict(Listings(session).appointment(appointment_id))


def appointments_page(sessions: Sessions, filters: dict[str, Any], page: int, page_size: int,
                      scope: Scope = None) -> dict[str, Any]:
    """Appointments matching the filters, soonest first."""
    with unit_of_work(sessions) as session:
        total, rows = Listings(session).appointments(filters, page, page_size, scope)
    return {"items": [appointment_dict(row) for row in rows], "total": total, "page": page, "page_size": page_size}


def get_appointment(sessions: Sessions, appointment_id: str, scope: Scope) -> dict[str, Any]:
    """One appointment, within the caller's stores."""
    with unit_of_work(sessions) as session:
        return appointment_one(session, reachable_appointment(session, appointment_id, scope).id)
