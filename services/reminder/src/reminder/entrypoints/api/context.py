"""What a view needs from the running service: sessions, the caller, the service's own settings."""
from __future__ import annotations

from flask import current_app
from servicekit.auth import current_identity
from servicekit.webapp import service_context
from sqlalchemy.orm import Session, sessionmaker

from reminder.config import ReminderSettings


def sessions() -> sessionmaker[Session]:
    """The service's session factory."""
    return service_context(current_app).sessions


def actor() -> str:
    """Who is calling."""
    return current_identity().subject


def reminder_settings() -> ReminderSettings:
    """The reminder service's own settings (time zone, channels)."""
    return current_app.extensions["reminder_settings"]


def scope() -> frozenset[str] | None:
    """The stores the caller works for (None: every store)."""
    return current_identity().store_scope
