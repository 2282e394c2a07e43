"""The messages that went (to customers and to staff), newest first: the readable list of the local outbox
and of every channel, for whoever may see the customer's notifications."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reminder.adapters.clock import aware
from reminder.adapters.tables import notifications, reminders
from reminder.service_layer.queries import Scope, in_scope


def messages_page(session: Session, filters: dict[str, Any], page: int, page_size: int,
                  scope: Scope = None) -> dict[str, Any]:
    """Sent messages matching every filter given (customer, channel, user, local outbox, sent in [from, to))."""
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
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = session.execute(query.order_by(notifications.c.sent_at.desc(), notifications.c.id)
                           .offset((page - 1) * page_size).limit(page_size)).all()
    return {"items": [{"id": row.id, "reminder_id": row.reminder_id, "rule": row.rule_id,
                       "customer_id": row.customer_id, "username": row.username, "channel": row.channel,
                       "to": row.target, "text": row.body, "sent_at": aware(row.sent_at), "local_outbox": row.local}
                      for row in rows], "total": total, "page": page, "page_size": page_size}
