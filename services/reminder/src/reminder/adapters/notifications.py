"""Storing notifications: planned when a reminder fires, claimed for sending, their outcome kept; and the
readable list of the messages that went."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from servicekit.db import bulk_insert
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reminder.adapters.customer_copy import Scope, in_scope
from reminder.adapters.tables import notifications, reminders


class NotificationRepository:
    """Notifications in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> None:
        """Add one notification."""
        self.session.execute(notifications.insert().values(**values))

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add notifications (every row with the same keys, every column given), with one COPY on PostgreSQL
        (the scheduler's batches; not inside a consumer's pipelined inserts, which COPY would bypass)."""
        bulk_insert(self.session, notifications, rows)

    def claim(self, moment: datetime, batch: int, lease: timedelta) -> Sequence[Any]:
        """Up to `batch` pending notifications due by `moment`, their next attempt pushed a `lease` ahead and
        their attempts counted (SKIP LOCKED: replicas claim different ones)."""
        ids = self.session.execute(select(notifications.c.id).where(
            notifications.c.status == "pending", notifications.c.next_attempt_at <= moment)
            .order_by(notifications.c.next_attempt_at).limit(batch).with_for_update(skip_locked=True)).scalars().all()
        if not ids:
            return []
        return self.session.execute(update(notifications).where(
            notifications.c.id.in_(ids), notifications.c.status == "pending",
            notifications.c.next_attempt_at <= moment)
            .values(next_attempt_at=moment + lease, attempts=notifications.c.attempts + 1)
            .returning(*notifications.c)).all()

    def renew(self, notification_id: str, attempts: int, until: datetime) -> bool:
        """Push the claim on a notification to `until`; False when it is no longer pending at `attempts`."""
        renewed = self.session.execute(update(notifications).where(
            notifications.c.id == notification_id, notifications.c.status == "pending",
            notifications.c.attempts == attempts).values(next_attempt_at=until))
        return renewed.rowcount == 1  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result

    def change(self, notification_id: str, **values: Any) -> None:
        """Write some fields of a notification."""
        self.session.execute(update(notifications).where(notifications.c.id == notification_id).values(**values))

    def status_counts(self, reminder_id: str) -> dict[str, int]:
        """How many of the reminder's notifications are in each status."""
        # rows of two columns are (status, count) pairs
        return dict(self.session.execute(select(notifications.c.status, func.count()).where(  # type: ignore[arg-type]
            notifications.c.reminder_id == reminder_id).group_by(notifications.c.status)).all())

    def of_reminder(self, reminder_id: str) -> Sequence[Any]:
        """The reminder's notifications, oldest first."""
        return self.session.execute(select(notifications).where(notifications.c.reminder_id == reminder_id)
                                    .order_by(notifications.c.created_at, notifications.c.channel)).all()

    def sent_page(self, filters: dict[str, Any], page: int, page_size: int, scope: Scope) -> tuple[int, Sequence[Any]]:
        """The total and one page of the messages that went, newest first, matching every filter given
        (customer, channel, user, local outbox, sent in [from, to)); each row with its reminder's rule."""
        query = in_scope(select(notifications, reminders.c.rule_id).join(
            reminders, reminders.c.id == notifications.c.reminder_id).where(notifications.c.status == "sent"),
            notifications.c.customer_id, scope)
        for name in ("customer_id", "channel", "username"):
            if filters.get(name):
                query = query.where(notifications.c[name] == filters[name])
        if filters.get("local_outbox") is not None:
            query = query.where(notifications.c.local.is_(bool(filters["local_outbox"])))
        if filters.get("from_"):
            query = query.where(notifications.c.sent_at >= filters["from_"])
        if filters.get("to"):
            query = query.where(notifications.c.sent_at < filters["to"])
        total = self.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = self.session.execute(query.order_by(notifications.c.sent_at.desc(), notifications.c.id)
                                    .offset((page - 1) * page_size).limit(page_size)).all()
        return total, rows
