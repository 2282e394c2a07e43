"""A fired reminder is a task for its owner: claim it, snooze it, complete it with an outcome."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reminder import events
from reminder.adapters.clock import aware, now
from reminder.adapters.facts import customer_row
from reminder.adapters.rules import all_rules
from reminder.adapters.tables import customers, reminders
from reminder.config import ReminderSettings
from reminder.domain.errors import Conflict, InvalidFields, NotFound
from reminder.domain.facts import Context
from reminder.domain.rules import CALLBACK_KINDS
from reminder.service_layer.emit import emit_reminder, store_of
from reminder.service_layer.planning import OPEN, reconcile
from servicekit import staff

OUTCOMES = ("reached", "booked", "not_reached", "declined", "won_back", "lost", "other")
#: Outcomes in which someone spoke with the customer: the contact cadence starts again from them.
CONTACTED = ("reached", "booked", "declined", "won_back", "lost")
MAX_SNOOZE = timedelta(days=90)


def get(session: Session, reminder_id: str, for_update: bool = False) -> Any:
    """One reminder's row, or NotFound."""
    query = select(reminders).where(reminders.c.id == reminder_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    if row is None:
        raise NotFound("reminder", reminder_id)
    return row


def _lock_customer_of(session: Session, reminder_id: str) -> None:
    """Lock the customer of a reminder: re-planning locks the customer before touching its reminders, so a use
    case that re-plans after changing a task takes the customer first too (no deadlock between them)."""
    customer_id = get(session, reminder_id).customer_id
    customer_row(session, customer_id, for_update=True)


def _open_task(session: Session, reminder_id: str, allowed: tuple[str, ...], doing: str) -> Any:
    row = get(session, reminder_id, for_update=True)
    if not row.task:
        raise Conflict(f"Reminder {reminder_id} is a notification to the customer, not a task; it cannot be {doing}.",
                       current_status=row.status)
    if row.status not in allowed:
        nexts = {"scheduled": "wait until it is due", "due": "claim, snooze or complete it",
                 "claimed": "snooze or complete it", "snoozed": "claim or complete it"}
        raise Conflict(f"Reminder {reminder_id} is {row.status}; it cannot be {doing}.", current_status=row.status,
                       allowed=nexts.get(row.status, "nothing: it is finished"))
    return row


def claim(session: Session, reminder_id: str, actor: str) -> Any:
    """Take the task: the caller becomes its owner (an active user who works in the customer's store, as the
    gateway's user events say; a 422 naming `owner` otherwise)."""
    row = _open_task(session, reminder_id, ("due", "snoozed"), "claimed")
    check_owner(session, actor, store_of(session, row.customer_id))
    moment = now()
    session.execute(update(reminders).where(reminders.c.id == reminder_id).values(
        status="claimed", claimed_by=actor, claimed_at=moment, owner=actor, snoozed_until=None))
    return get(session, reminder_id)


def assign(session: Session, reminder_id: str, assignee: str) -> Any:
    """Give the open task to `assignee` (an active user who works in the customer's store, as for claiming; a
    422 naming `assignee` otherwise): they become its owner. A claimed task is due again, for them to claim; a
    snoozed one stays snoozed."""
    row = _open_task(session, reminder_id, OPEN, "assigned")
    staff.check_assignee(session, assignee, store_of(session, row.customer_id), "assignee", InvalidFields.one)
    session.execute(update(reminders).where(reminders.c.id == reminder_id).values(
        owner=assignee, status="due" if row.status == "claimed" else row.status, claimed_by=None, claimed_at=None))
    return get(session, reminder_id)


def check_owner(session: Session, owner: str | None, store_id: str | None) -> None:
    """A 422 naming `owner` unless `owner` (None: nobody) is an active user who works in `store_id`
    (servicekit.staff.EVERY_STORE for a rule's owner, whose tasks reach every store)."""
    staff.check_assignee(session, owner, store_id, "owner", InvalidFields.one)


def snooze(session: Session, reminder_id: str, until: datetime, actor: str) -> Any:
    """Put the task aside until `until` (in the future, at most 90 days ahead)."""
    moment = now()
    if until <= moment:
        raise InvalidFields.one("until", "Snooze until a time in the future.")
    if until > moment + MAX_SNOOZE:
        raise InvalidFields.one("until", "A task can be snoozed for at most 90 days.")
    _open_task(session, reminder_id, ("due", "claimed"), "snoozed")
    session.execute(update(reminders).where(reminders.c.id == reminder_id).values(
        status="snoozed", snoozed_until=until))
    return get(session, reminder_id)


def complete(session: Session, reminder_id: str, values: dict[str, Any], actor: str,
             settings: ReminderSettings) -> Any:
    """Finish the task with its outcome; a lost customer's win-back that failed needs the reason they left."""
    _lock_customer_of(session, reminder_id)  # before the task, in the order re-planning takes them
    row = _open_task(session, reminder_id, OPEN, "completed")
    outcome, lost_reason = values["outcome"], (values.get("lost_reason") or "").strip() or None
    if row.kind == "lost_customer" and outcome == "lost" and lost_reason is None:
        raise InvalidFields.one("lost_reason", "Record why the customer left (流失原因) when the win-back failed.")
    if lost_reason is not None and row.kind != "lost_customer":
        raise InvalidFields.one("lost_reason", "Only a lost-customer win-back records why the customer left.")
    callback = _callback(row, outcome, values.get("callback"))
    moment = now()
    session.execute(update(reminders).where(reminders.c.id == reminder_id).values(
        status="done", outcome=outcome, lost_reason=lost_reason, notes=values.get("notes"), completed_at=moment,
        completed_by=actor, snoozed_until=None,
        callback=json.dumps(callback, ensure_ascii=False) if callback else None))
    done = get(session, reminder_id)
    # with a callback, the customer service records the callback visit from this event (reminder_id links them)
    emit_reminder(session, events.REMINDER_COMPLETED, done, store_of(session, row.customer_id),
                  outcome=outcome, completed_by=actor, completed_at=moment, lost_reason=lost_reason,
                  notes=values.get("notes"), callback=callback, visit_id=None)
    if outcome in CONTACTED:
        day = moment.astimezone(settings.zone).date()
        current = session.execute(select(customers.c.last_contact_on).where(
            customers.c.id == row.customer_id)).scalar()
        if current is None or current < day:
            session.execute(update(customers).where(customers.c.id == row.customer_id).values(last_contact_on=day))
        reconcile(session, row.customer_id, all_rules(session), Context(moment, settings.zone),
                  f"contact on {day} ({outcome})")
    return done


def _callback(row: Any, outcome: str, callback: dict[str, Any] | None) -> dict[str, Any] | None:
    """The callback recorded with a task (channel, satisfaction, scores, what came of it), checked."""
    if not callback:
        return None
    if row.kind not in CALLBACK_KINDS:
        raise InvalidFields.one("callback", "Only a callback task (delivery or complaint callback, 回访) records a "
                                            "callback's satisfaction.")
    if outcome not in CONTACTED:
        raise InvalidFields.one("callback", f"A callback with a satisfaction needs the customer reached; the outcome "
                                            f"is {outcome}.")
    return {name: value for name, value in callback.items() if value is not None}


def overdue_before(moment: datetime) -> datetime:
    """Open tasks due before this are overdue: a day's grace to work the list."""
    return moment - timedelta(days=1)


def is_overdue(row: Any, moment: datetime) -> bool:
    """True for an open task due more than a day ago."""
    return row.task and row.status in OPEN and aware(row.due_at) < overdue_before(moment)


def close_by_callback_visit(session: Session, customer_id: str, visit: dict[str, Any], occurred_at: datetime) -> Any:
    """A callback visit recorded in the customer service (not from a task) closes the customer's matching open
    callback task: the one of the visit's vehicle (or of no vehicle) when it names one, else the earliest due;
    outcome `done`, with the visit's id. Returns the task closed, or None."""
    if session.execute(select(reminders.c.id).where(reminders.c.visit_id == visit["id"])).first() is not None:
        return None  # this visit closed a task already
    candidates = session.execute(select(reminders).where(
        reminders.c.customer_id == customer_id, reminders.c.kind.in_(CALLBACK_KINDS), reminders.c.task.is_(True),
        reminders.c.status.in_(("due", "claimed"))).order_by(reminders.c.due_at, reminders.c.id)).all()
    asset_id = visit.get("asset_id")
    if asset_id:
        candidates = sorted((row for row in candidates if row.asset_id in (asset_id, None)),
                            key=lambda row: row.asset_id != asset_id)
    if not candidates:
        return None
    row = candidates[0]
    fired = aware(row.fired_at)
    moment = max(occurred_at, fired) if fired else occurred_at
    actor = visit.get("staff") or visit.get("recorded_by") or "customer-service"
    session.execute(update(reminders).where(reminders.c.id == row.id).values(
        status="done", outcome="done", completed_at=moment, completed_by=actor, snoozed_until=None,
        visit_id=visit["id"]))
    done = get(session, row.id)
    emit_reminder(session, events.REMINDER_COMPLETED, done, store_of(session, customer_id), outcome="done",
                  completed_by=actor, completed_at=moment, lost_reason=None, notes=None, callback=None,
                  visit_id=visit["id"])
    return done
