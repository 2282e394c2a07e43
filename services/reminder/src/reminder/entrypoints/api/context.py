"""What a reminder view needs beyond servicekit.view_context: its settings and the guard on a customer's store."""
from __future__ import annotations

from servicekit.auth import require_store
from servicekit.view_context import actor, own_settings, sessions
from servicekit.view_context import stores as scope
from sqlalchemy.orm import Session

from reminder.config import ReminderSettings

__all__ = ["actor", "guard", "reminder_settings", "scope", "sessions"]


def reminder_settings() -> ReminderSettings:
    """The reminder service's own settings (time zone, channels)."""
    return own_settings("reminder_settings")


def guard(session: Session, customer_id: str) -> None:
    """403 unless the customer belongs to one of the caller's stores (or the caller sees every store); a
    customer not known here is left to the use case to refuse (422)."""
    from reminder.adapters.facts import customer_row

    if scope() is not None:
        row = customer_row(session, customer_id)
        if row is not None:
            require_store(row.store_id)
