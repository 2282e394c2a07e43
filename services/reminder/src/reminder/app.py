"""The reminder service's Flask app."""
from __future__ import annotations

from flask import Flask
from servicekit.config import Settings
from servicekit.webapp import create_service_app

from reminder.config import ReminderSettings
from reminder.entrypoints.api import blueprints


def create_app(settings: Settings | None = None) -> Flask:
    """The app serving /api/v1/reminders and /api/v1/appointments (settings from the environment when not given)."""
    settings = settings or Settings.from_env("reminder")
    app = create_service_app(settings, "Guanxi reminder service", blueprints())
    app.extensions["reminder_settings"] = ReminderSettings.from_settings(settings)
    return app
