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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from reminder import events, metrics
from reminder.adapters.clock import aware, now
from reminder.adapters.rules import all_rules
from reminder.adapters.tables import customers, notifications, opt_outs, reminders
from reminder.config import ReminderSettings
from reminder.domain.calendar import parse_clock
from reminder.domain.facts import Context
from reminder.domain.notifications import ANONYMOUS, Recipient, decide, shared_details
from reminder.domain.rules import RECURRING, Rule
from reminder.service_layer.appointments import mark_no_shows
from reminder.service_layer.emit import reminder_values
from reminder.service_layer.messages import customer_message
from reminder.service_layer.planning import reconcile
from reminder.service_layer.rules import replan_batch

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
    rows = []
    recipient = _recipient(customer, opted_out)
    due = aware(reminder.due_at)
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


def fire_due(session: Session, moment: datetime, batch: int, settings: ReminderSettings) -> int:
    """Fire up to `batch` due reminders in `session`'s transaction; return how many were claimed."""
    ids = session.execute(
        select(reminders.c.id).where(reminders.c.status == "scheduled", reminders.c.due_at <= moment)
        .order_by(reminders.c.due_at).limit(batch).with_for_update(skip_locked=True)).scalars().all()
    if not ids:
        return 0
    # the status condition makes a claim safe on SQLite too, where FOR UPDATE is not there to lock the rows
    claimed = session.execute(
        update(reminders).where(reminders.c.id.in_(ids), reminders.c.status == "scheduled")
        .values(status="due", fired_at=moment).returning(*reminders.c)).all()
    rules = {rule.id: rule for rule in all_rules(session)}
    customer_ids = {row.customer_id for row in claimed}
    people = {row.id: row for row in session.execute(select(customers).where(customers.c.id.in_(customer_ids)))}
    wants_channels = any(rules.get(row.rule_id) and rules[row.rule_id].channels for row in claimed)
    opted: dict[str, set[str]] = {}
    if wants_channels:
        for row in session.execute(select(opt_outs).where(opt_outs.c.customer_id.in_(customer_ids))):
            opted.setdefault(row.customer_id, set()).add(row.channel)
    switched_off, silent, new_notifications, recurring, due_events = [], [], [], set(), []
    for row in claimed:
        rule = rules.get(row.rule_id)
        if rule is None or not rule.enabled:
            switched_off.append(row.id)
            continue
        customer = people[row.customer_id]
        planned = _notifications_for(session, row, rule, customer, opted.get(row.customer_id, set()), moment, settings)
        new_notifications.extend(planned)
        if not row.task and not any(n["status"] == "pending" for n in planned):
            silent.append(row.id)
        due_events.append((events.REMINDER_DUE, row.id, reminder_values(row, customer.store_id)))
        if rule.kind in RECURRING:
            recurring.add(row.customer_id)
    if switched_off:
        session.execute(update(reminders).where(reminders.c.id.in_(switched_off)).values(
            status="cancelled", fired_at=None, cancelled_at=moment, cancel_reason="its rule is switched off"))
    if silent:  # nothing to do for anyone: no task, and every notification was refused (reasons recorded)
        session.execute(update(reminders).where(reminders.c.id.in_(silent)).values(
            status="done", outcome="not_sent", completed_at=moment))
    if new_notifications:
        session.execute(notifications.insert(), new_notifications)
    for kind, count in Counter(row.kind for row in claimed if row.id not in switched_off).items():
        metrics.FIRED.labels(kind).inc(count)
    for channel, count in Counter(n["channel"] for n in new_notifications if n["status"] == "skipped").items():
        metrics.NOTIFICATIONS.labels(channel, "skipped").inc(count)
    events.CONTRACT.emit_many(session, due_events)  # one statement for the batch's events
    if recurring:  # the next birthday, anniversary, festival … is planned as this one fires
        rule_list = list(rules.values())
        for customer_id in sorted(recurring):
            reconcile(session, customer_id, rule_list, Context(moment, settings.zone), "fired")
    return len(claimed)


def wake_snoozed(session: Session, moment: datetime) -> int:
    """Snoozed tasks whose time has come are open again."""
    result = session.execute(update(reminders).where(
        reminders.c.status == "snoozed", reminders.c.snoozed_until <= moment).values(status="due", snoozed_until=None))
    return result.rowcount


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
            except Exception:  # noqa: BLE001 - a database outage must not end the process
                log.exception("scheduler pass failed; trying again")
            if not busy:
                stop.wait(self.settings.scheduler_interval)


