"""The scheduler: fires due reminders exactly once, however many replicas run, and catches up after downtime.

Each pass claims a batch of due reminders with `FOR UPDATE SKIP LOCKED` (PostgreSQL: a replica skips
the rows another has locked, https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE)
and moves them out of `scheduled` in the same transaction as their `reminder.due.v1` events and their
notifications, so a reminder fires once or not at all. A scheduler that was down finds every reminder
that fell due meanwhile still `scheduled`, and fires each once.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from servicekit.db import unit_of_work
from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session, sessionmaker

from reminder import events, metrics
from reminder.adapters.clock import now
from reminder.adapters.customer_copy import CustomerCopy
from reminder.adapters.notifications import NotificationRepository
from reminder.adapters.opt_outs import OptOutRepository
from reminder.adapters.reminder_rules import RuleRepository
from reminder.adapters.reminders import ReminderRepository
from reminder.config import ReminderSettings
from reminder.domain.calendar import parse_clock
from reminder.domain.notifications import ANONYMOUS, Recipient, decide, shared_details
from reminder.domain.planning_facts import Context
from reminder.domain.reminder_rules import RECURRING, Rule
from reminder.service_layer.appointments import mark_no_shows
from reminder.service_layer.emit import reminder_values
from reminder.service_layer.messages import customer_message
from reminder.service_layer.planning import reconcile_many, replan_batch

log = logging.getLogger(__name__)


def _recipient(customer: Any, opted_out: set[str]) -> Recipient:
    quiet = None
    if customer.quiet_start and customer.quiet_end:
        quiet = (parse_clock(customer.quiet_start), parse_clock(customer.quiet_end))
    return Recipient(name=customer.name, phone=customer.phone, email=customer.email,
                     consent={"sms": customer.consent_sms, "phone": customer.consent_phone,
                              "email": customer.consent_email, "wechat": customer.consent_wechat},
                     quiet_hours=quiet, opted_out=frozenset(opted_out), erased=customer.erased_at is not None,
                     wechat_openid=customer.wechat_openid)


def _notifications_for(session: Session, reminder: Any, rule: Rule, customer: Any, opted_out: set[str],
                       moment: datetime, settings: ReminderSettings) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if not rule.channels:  # a task alone: nobody to notify
        return rows
    recipient = _recipient(customer, opted_out)
    due = as_utc(reminder.due_at)
    for channel in rule.channels:
        local = settings.local(channel)  # no such channel here: written to the local outbox for a person to read
        decision = decide(channel, recipient, max(due, moment), settings.zone, settings.configured(channel) or local)
        sending = decision.skip_reason is None
        # SMS and e-mail go only with consent; the webhook's text names the customer only as consent allows
        name = shared_details(recipient).get("name", ANONYMOUS) if channel == "webhook" else customer.name
        body = customer_message(session, reminder, rule, customer, settings, name) if sending else None
        rows.append({"id": str(uuid.uuid4()), "reminder_id": reminder.id, "customer_id": reminder.customer_id,
                     "channel": channel, "status": "pending" if sending else "skipped", "target": decision.target,
                     "body": body, "send_at": decision.send_at, "attempts": 0,
                     "next_attempt_at": decision.send_at, "note": decision.note,
                     "skip_reason": decision.skip_reason, "created_at": moment, "local": local and sending,
                     "username": None})
    return rows


@dataclass
class Firing:
    """What firing a batch of reminders comes to: reminders whose rule is off, reminders with nothing left to
    do, the notifications planned, the customers whose recurring reminders come round again, the events."""

    switched_off: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    recurring: dict[str, set[str]] = field(default_factory=dict)  # rule id: its customers
    due_events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


def _fire(session: Session, claimed: Sequence[Any], rules: dict[str, Rule], moment: datetime,
          settings: ReminderSettings) -> Firing:
    """Decide, for each reminder claimed, its notifications and its reminder.due.v1."""
    customer_ids = {row.customer_id for row in claimed}
    people = CustomerCopy(session).by_id(customer_ids)
    wants_channels = any(rules.get(row.rule_id) and rules[row.rule_id].channels for row in claimed)
    opted = OptOutRepository(session).channels_of(customer_ids) if wants_channels else {}
    firing = Firing()
    for row in claimed:
        rule = rules.get(row.rule_id)
        if rule is None or not rule.enabled:
            firing.switched_off.append(row.id)
            continue
        customer = people[row.customer_id]
        planned = _notifications_for(session, row, rule, customer, opted.get(row.customer_id, set()), moment, settings)
        firing.notifications.extend(planned)
        if not row.task and not any(n["status"] == "pending" for n in planned):
            firing.silent.append(row.id)
        firing.due_events.append((events.REMINDER_DUE, row.id, reminder_values(row, customer.store_id)))
        if rule.kind in RECURRING:
            firing.recurring.setdefault(rule.id, set()).add(row.customer_id)
    return firing


def _count(claimed: Sequence[Any], firing: Firing) -> None:
    for kind, count in Counter(row.kind for row in claimed if row.id not in firing.switched_off).items():
        metrics.FIRED.labels(kind).inc(count)
    for channel, count in Counter(n["channel"] for n in firing.notifications if n["status"] == "skipped").items():
        metrics.NOTIFICATIONS.labels(channel, "skipped").inc(count)


def fire_due(session: Session, moment: datetime, batch: int, settings: ReminderSettings) -> int:
    """Fire up to `batch` due reminders in `session`'s transaction; return how many were claimed."""
    reminders = ReminderRepository(session)
    claimed = reminders.claim_due(moment, batch)
    if not claimed:
        return 0
    rules = {rule.id: rule for rule in RuleRepository(session).all()}
    firing = _fire(session, claimed, rules, moment, settings)
    if firing.switched_off:
        reminders.change_many(firing.switched_off, status="cancelled", fired_at=None, cancelled_at=moment,
                              cancel_reason="its rule is switched off")
    if firing.silent:  # nothing to do for anyone: no task, and every notification was refused (reasons recorded)
        reminders.change_many(firing.silent, status="done", outcome="not_sent", completed_at=moment)
    NotificationRepository(session).add_many(firing.notifications)
    _count(claimed, firing)
    events.CONTRACT.emit_many(session, firing.due_events)  # one statement for the batch's events
    # the next birthday, anniversary, festival … is planned as this one fires
    # the customers are locked all at once in the order of their ids, as a single re-planning would lock them
    # (rule by rule, a customer of two rules would be locked in another order and two replicas could deadlock)
    if len(firing.recurring) > 1:
        CustomerCopy(session).lock_many(set().union(*firing.recurring.values()))
    for rule_id, customer_ids in sorted(firing.recurring.items()):
        reconcile_many(session, sorted(customer_ids), [rules[rule_id]], Context(moment, settings.zone), "fired",
                       only_these_rules=True)
    return len(claimed)


def wake_snoozed(session: Session, moment: datetime) -> int:
    """Snoozed tasks whose time has come are open again."""
    return ReminderRepository(session).wake_snoozed(moment)


@dataclass
class Scheduler:
    """One scheduler replica: fire what is due, wake snoozed tasks, call missed appointments, send notifications."""

    sessions: sessionmaker[Session]
    settings: ReminderSettings
    deliver: Callable[[datetime], int] | None = None
    clock: Callable[[], datetime] = now

    def run_once(self) -> dict[str, int]:
        """One pass; returns what it did."""
        with metrics.PASS_DURATION.time():
            return self._pass()

    def _pass(self) -> dict[str, int]:
        moment, done = self.clock(), {"fired": 0}
        while True:
            with unit_of_work(self.sessions) as session:
                count = fire_due(session, moment, self.settings.scheduler_batch, self.settings)
            done["fired"] += count
            if count < self.settings.scheduler_batch:
                break
        with unit_of_work(self.sessions) as session:
            context = Context(moment, self.settings.zone)
            done["replanned"] = replan_batch(session, self.settings.scheduler_batch, context)
        with unit_of_work(self.sessions) as session:
            done["woken"] = wake_snoozed(session, moment)
        with unit_of_work(self.sessions) as session:
            done["no_shows"] = mark_no_shows(session, moment)
        done["sent"] = self.deliver(moment) if self.deliver else 0
        return done

    def run(self, stop: threading.Event) -> None:
        """Pass after pass until `stop` is set; a failing pass is logged and tried again."""
        while not stop.is_set():
            busy = False
            try:
                done = self.run_once()
                if any(done.values()):
                    log.info("scheduler pass: %s", done)
                # a re-plan of everyone goes one batch a pass: the next pass follows at once while it lasts
                busy = done["replanned"] >= self.settings.scheduler_batch
            except Exception:  # a database outage must not end the process
                log.exception("scheduler pass failed; trying again")
            if not busy:
                stop.wait(self.settings.scheduler_interval)


