"""What a reminder view needs beyond servicekit.view_context: its settings."""
from __future__ import annotations

from servicekit.view_context import actor, own_settings, sessions
from servicekit.view_context import stores as scope

from reminder.config import ReminderSettings

__all__ = ["actor", "reminder_settings", "scope", "sessions"]


def reminder_settings() -> ReminderSettings:
    """The reminder service's own settings (time zone, channels)."""
    return own_settings("reminder_settings")
