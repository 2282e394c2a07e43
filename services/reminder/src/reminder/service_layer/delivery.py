"""Delivering notifications: claimed like reminders (SKIP LOCKED), sent outside any transaction one by one,
each one's outcome committed before the next is sent, retried with exponential backoff, given up after the
last attempt with the error kept. Any error sending one (not only a channel's refusal) is that one's failure.

A notification is claimed by pushing its next attempt a lease into the future, and the claim is renewed
just before it is sent (a batch slowed by timeouts may outlast its lease: a notification another replica
took over meanwhile is left to it); a replica that dies mid-send leaves it to be tried again when the
lease ends, so delivery is at least once and receivers dedupe on the notification id (the webhook's
`X-Guanxi-Delivery`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from reminder import events, metrics
from reminder.adapters.clock import now
from reminder.adapters.customer_copy import CustomerCopy
from reminder.adapters.notifications import NotificationRepository
from reminder.adapters.outgoing import LOCAL, Outgoing, Sender, SendFailed
from reminder.adapters.reminder_rules import RuleRepository
from reminder.adapters.reminders import ReminderRepository
from reminder.config import ReminderSettings
from reminder.domain.notifications import Recipient, shared_details
from reminder.service_layer.emit import emit_reminder, reminder_values

log = logging.getLogger(__name__)


def _outgoing(session: Session, row: Any) -> Outgoing:
    reminder = ReminderRepository(session).get(row.reminder_id)
    customer = CustomerCopy(session).get(row.customer_id)
    if reminder is None or customer is None:  # a notification is kept with its reminder and its customer
        raise LookupError(f"notification {row.id}: its reminder or customer is not kept")
    rule = RuleRepository(session).get_row(reminder.rule_id)
    # the rule's Chinese name is what its reader sees (e-mail subject, WeChat title), not the note for staff
    subject = rule.name.split(" (")[0] if rule else reminder.kind
    if row.username is not None:  # to a member of staff: about the customer, not to them
        payload = {"channel": row.channel, "username": row.username,
                   "reminder": reminder_values(reminder, customer.store_id), "customer": {"id": customer.id}}
        return Outgoing(id=row.id, channel=row.channel, target=row.target or row.username, subject=subject,
                        body=row.body or "", payload=payload)
    consent = {"sms": customer.consent_sms, "phone": customer.consent_phone, "email": customer.consent_email}
    shared = shared_details(Recipient(name=customer.name, phone=customer.phone, email=customer.email,
                                      consent=consent))
    payload = {"channel": row.channel, "reminder": reminder_values(reminder, customer.store_id),
               "customer": {"id": customer.id, **shared, "consent": consent}}
    return Outgoing(id=row.id, channel=row.channel, target=row.target, subject=subject, body=row.body or "",
                    payload=payload)


def _settle_reminder(session: Session, reminder_id: str, moment: datetime) -> None:
    """A notification-only reminder is `sent` once one notification went, `done` (not sent) once none can."""
    reminders = ReminderRepository(session)
    reminder = reminders.get(reminder_id)
    if reminder is None:  # a notification is kept with its reminder
        raise LookupError(f"reminder {reminder_id} is not kept")
    if reminder.task or reminder.status != "due":
        return
    counts = NotificationRepository(session).status_counts(reminder_id)
    if counts.get("pending"):
        return
    if counts.get("sent"):
        reminders.change(reminder_id, status="sent")
    else:
        reminders.change(reminder_id, status="done", outcome="not_sent", completed_at=moment)


def _still_ours(sessions: sessionmaker[Session], row: Any, moment: datetime, lease: timedelta) -> bool:
    """Renew the claim on one notification just before sending it; False when another replica took it over
    meanwhile (the batch outlasted the lease), which then sends it instead of us."""
    with unit_of_work(sessions) as session:
        return NotificationRepository(session).renew(row.id, row.attempts, moment + lease)


def _send(sessions: sessionmaker[Session], row: Any, senders: dict[str, Sender]) -> str | None:
    """Send one claimed notification; None when it went, else why not."""
    try:
        with unit_of_work(sessions) as session:
            message = _outgoing(session, row)
        sender = senders.get(LOCAL if row.local else row.channel)
        if sender is None:
            raise SendFailed(f"no {row.channel} channel is configured")
        sender.send(message)
    except SendFailed as exc:
        error = str(exc)
    except Exception as exc:  # a message no channel can take (a header with a line break …)
        log.exception("notification %s via %s could not be sent", row.id, row.channel)
        error = f"{type(exc).__name__}: {exc}"
    else:
        return None
    log.warning("notification %s via %s failed (attempt %d): %s", row.id, row.channel, row.attempts, error)
    return error


def _record(session: Session, row: Any, error: str | None, moment: datetime, settings: ReminderSettings) -> None:
    """Keep what became of one notification: sent (with its reminder.sent.v1), retried later, or given up."""
    outcome = "sent" if error is None else "failed" if row.attempts >= settings.max_attempts else "retried"
    metrics.NOTIFICATIONS.labels(row.channel, outcome).inc()
    notifications = NotificationRepository(session)
    if error is None:
        notifications.change(row.id, status="sent", sent_at=moment, last_error=None, next_attempt_at=None)
        if row.username is not None:  # a staff notification is no contact with the customer
            return
        reminder = ReminderRepository(session).get(row.reminder_id)
        if reminder is None:  # a notification is kept with its reminder
            raise LookupError(f"notification {row.id}: its reminder is not kept")
        store = CustomerCopy(session).store_of(row.customer_id)
        status = "sent" if not reminder.task and reminder.status == "due" else reminder.status
        emit_reminder(session, events.REMINDER_SENT, reminder, store, status=status, channel=row.channel,
                      notification_id=row.id, sent_at=moment, **({"local_outbox": True} if row.local else {}))
    elif outcome == "failed":
        notifications.change(row.id, status="failed", last_error=error, next_attempt_at=None,
                             skip_reason=f"gave up after {row.attempts} attempts: {error}")
    else:
        delay = settings.retry_backoff * 2 ** (row.attempts - 1)
        notifications.change(row.id, last_error=error, next_attempt_at=moment + timedelta(seconds=delay))
    _settle_reminder(session, row.reminder_id, moment)


def deliver_due(sessions: sessionmaker[Session], settings: ReminderSettings, senders: dict[str, Sender],
                moment: datetime, batch: int = 100, clock: Callable[[], datetime] = now) -> int:
    """Send the notifications whose time has come; return how many went.

    Each notification is sent and its outcome committed on its own, before the next is sent: one that
    cannot be sent is retried with backoff (then given up) without stopping the others, and one that went
    is never sent again because a later one failed.
    """
    lease = timedelta(seconds=max(60.0, 3 * settings.send_timeout))
    with unit_of_work(sessions) as session:
        claimed = NotificationRepository(session).claim(moment, batch, lease)
    sent = 0
    for row in claimed:
        if not _still_ours(sessions, row, max(moment, clock()), lease):
            continue
        error = _send(sessions, row, senders)
        try:
            with unit_of_work(sessions) as session:
                _record(session, row, error, moment, settings)
        except Exception:  # its lease ends and it is tried again; the others go on
            log.exception("the outcome of notification %s could not be kept", row.id)
            continue
        sent += error is None
    return sent
