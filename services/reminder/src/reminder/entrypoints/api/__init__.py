"""The HTTP API under /api/v1/reminders and /api/v1/appointments."""
from __future__ import annotations

from flask_smorest import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint of the API (imported here so nothing is built at package import)."""
    from reminder.entrypoints.api import appointments, privacy, reminder_rules, reminders
    return [reminder_rules.blp, reminder_rules.kinds_blp, reminders.blp, appointments.blp, privacy.blp]
