"""A fired reminder is a task for its owner: claim it, assign it, snooze it, complete it with an outcome; a
callback visit recorded in the customer service closes the matching callback task."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.db import unit_of_work
from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session, sessionmaker

from reminder import events
from reminder.adapters.clock import now
from reminder.adapters.customer_copy import CustomerCopy, Scope
from reminder.adapters.reminder_rules import RuleRepository
from reminder.adapters.reminders import ReminderRepository
from reminder.config import ReminderSettings
from reminder.domain.errors import Conflict, InvalidFields, NotFound
from reminder.domain.planning_facts import Context
from reminder.domain.reminder_rules import CALLBACK_KINDS, OPEN
from reminder.domain.tasks import CONTACTED, MAX_SNOOZE
from reminder.service_layer.emit import emit_reminder, store_of
from reminder.service_layer.planning import reconcile
from reminder.service_layer.queries import reachable_reminder, reminder_one
from servicekit import staff

NEXT_STEPS = {"scheduled": "wait until it is due", "due": "claim, snooze or complete it",
              "claimed": "snooze or complete it", "snoozed": "claim or complete it"}


def get(session: Session, reminder_id: str, for_update: bool = False) -> Any:
    """One reminder's row, or NotFound."""
    row = ReminderRepository(session).get(reminder_id, for_update)
    if row is None:
        raise NotFound("reminder", reminder_id)
    return row


def _open_task(session: Session, reminder_id: str, allowed: tuple[str, ...], doing: str) -> Any:
    row = get(session, reminder_id, for_update=True)
    if not row.task:
        raise Conflict(f"Reminder {reminder_id} is a notification to the customer, not a task; it cannot be {doing}.",
                       current_status=row.status)
    if row.status not in allowed:
        raise Conflict(f"Reminder {reminder_id} is {row.status}; it cannot be {doing}.", current_status=row.status,
                       allowed=NEXT_STEPS.get(row.status, "nothing: it is finished"))
    return row


def claim(sessions: sessionmaker[Session], reminder_id: str, actor: str, scope: Scope,
          zone: ZoneInfo) -> dict[str, Any]:
    """Take the task: the caller becomes its owner (an active user who works in the customer's store, as the
    gateway's user events say; a 422 naming `owner` otherwise)."""
    with unit_of_work(sessions) as session:
        reachable_reminder(session, reminder_id, scope)
        row = _open_task(session, reminder_id, ("due", "snoozed"), "claimed")
        staff.check_assignee(session, actor, store_of(session, row.customer_id), "owner", InvalidFields.one)
        ReminderRepository(session).change(reminder_id, status="claimed", claimed_by=actor, claimed_at=now(),
                                           owner=actor, snoozed_until=None)
        return reminder_one(session, reminder_id, now(), zone)


def assign(sessions: sessionmaker[Session], reminder_id: str, assignee: str, scope: Scope,
           zone: ZoneInfo) -> dict[str, Any]:
    """Give the open task to `assignee` (an active user who works in the customer's store, as for claiming; a
    422 naming `assignee` otherwise): they become its owner. A claimed task is due again, for them to claim; a
    snoozed one stays snoozed."""
    with unit_of_work(sessions) as session:
        reachable_reminder(session, reminder_id, scope)
        row = _open_task(session, reminder_id, OPEN, "assigned")
        staff.check_assignee(session, assignee, store_of(session, row.customer_id), "assignee", InvalidFields.one)
        ReminderRepository(session).change(reminder_id, owner=assignee, claimed_by=None, claimed_at=None,
                                           status="due" if row.status == "claimed" else row.status)
        return reminder_one(session, reminder_id, now(), zone)


def snooze(sessions: sessionmaker[Session], reminder_id: str, until: datetime, scope: Scope,
           zone: ZoneInfo) -> dict[str, Any]:
    """Put the task aside until `until` (in the future, at most 90 days ahead)."""
    with unit_of_work(sessions) as session:
        reachable_reminder(session, reminder_id, scope)
        moment = now()
        if until <= moment:
            raise InvalidFields.one("until", "Snooze until a time in the future.")
        if until > moment + MAX_SNOOZE:
            raise InvalidFields.one("until", "A task can be snoozed for at most 90 days.")
        _open_task(session, reminder_id, ("due", "claimed"), "snoozed")
        ReminderRepository(session).change(reminder_id, status="snoozed", snoozed_until=until)
        return reminder_one(session, reminder_id, now(), zone)


def _lost_reason(row: Any, outcome: str, given: str | None) -> str | None:
    """The reason a lost customer left: needed when a win-back failed, refused on any other task."""
    lost_reason = (given or "").strip() or None
    if row.kind == "lost_customer" and outcome == "lost" and lost_reason is None:
        raise InvalidFields.one("lost_reason", "Record why the customer left (流失原因) when the win-back failed.")
    if lost_reason is not None and row.kind != "lost_customer":
        raise InvalidFields.one("lost_reason", "Only a lost-customer win-back records why the customer left.")
    return lost_reason


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


def complete(sessions: sessionmaker[Session], reminder_id: str, values: dict[str, Any], actor: str,
             settings: ReminderSettings, scope: Scope) -> dict[str, Any]:
    """Finish the task with its outcome; a lost customer's win-back that failed needs the reason they left."""
    with unit_of_work(sessions) as session:
        reachable_reminder(session, reminder_id, scope)
        done = _complete(session, reminder_id, values, actor, settings)
        return reminder_one(session, done.id, now(), settings.zone)


def _complete(session: Session, reminder_id: str, values: dict[str, Any], actor: str,
              settings: ReminderSettings) -> Any:
    # the customer before the task: re-planning locks the customer before touching its reminders, so a use case
    # that re-plans after changing a task takes the customer first too (no deadlock between them)
    customers = CustomerCopy(session)
    customers.get(get(session, reminder_id).customer_id, for_update=True)
    row = _open_task(session, reminder_id, OPEN, "completed")
    outcome = values["outcome"]
    lost_reason = _lost_reason(row, outcome, values.get("lost_reason"))
    callback = _callback(row, outcome, values.get("callback"))
    moment = now()
    ReminderRepository(session).change(
        reminder_id, status="done", outcome=outcome, lost_reason=lost_reason, notes=values.get("notes"),
        completed_at=moment, completed_by=actor, snoozed_until=None,
        callback=json.dumps(callback, ensure_ascii=False) if callback else None)
    done = get(session, reminder_id)
    # with a callback, the customer service records the callback visit from this event (reminder_id links them)
    emit_reminder(session, events.REMINDER_COMPLETED, done, store_of(session, row.customer_id),
                  outcome=outcome, completed_by=actor, completed_at=moment, lost_reason=lost_reason,
                  notes=values.get("notes"), callback=callback, visit_id=None)
    if outcome in CONTACTED:
        day = moment.astimezone(settings.zone).date()
        current = customers.last_contact_on(row.customer_id)
        if current is None or current < day:
            customers.change(row.customer_id, last_contact_on=day)
        reconcile(session, row.customer_id, RuleRepository(session).all(), Context(moment, settings.zone),
                  f"contact on {day} ({outcome})")
    return done


def close_by_callback_visit(session: Session, customer_id: str, visit: dict[str, Any], occurred_at: datetime) -> Any:
    """A callback visit recorded in the customer service (not from a task) closes the customer's matching open
    callback task: the one of the visit's vehicle (or of no vehicle) when it names one, else the earliest due;
    outcome `done`, with the visit's id. Returns the task closed, or None."""
    repository = ReminderRepository(session)
    if repository.closed_by_visit(visit["id"]):
        return None  # this visit closed a task already
    candidates = repository.open_callbacks(customer_id, CALLBACK_KINDS)
    asset_id = visit.get("asset_id")
    if asset_id:
        candidates = sorted((row for row in candidates if row.asset_id in (asset_id, None)),
                            key=lambda row: row.asset_id != asset_id)
    if not candidates:
        return None
    row = candidates[0]
    fired = as_utc(row.fired_at)
    moment = max(occurred_at, fired) if fired else occurred_at
    actor = visit.get("staff") or visit.get("recorded_by") or "customer-service"
    repository.change(row.id, status="done", outcome="done", completed_at=moment, completed_by=actor,
                      snoozed_until=None, visit_id=visit["id"])
    done = get(session, row.id)
    emit_reminder(session, events.REMINDER_COMPLETED, done, store_of(session, customer_id), outcome="done",
                  completed_by=actor, completed_at=moment, lost_reason=None, notes=None, callback=None,
                  visit_id=visit["id"])
    return done
