"""The complaint service's Flask app."""
from __future__ import annotations

from flask import Flask
from servicekit.config import Settings
from servicekit.webapp import create_service_app

from complaint.adapters.holidays import china_working_days
from complaint.config import ComplaintSettings, complaint_settings
from complaint.entrypoints.api import blueprints
from complaint.entrypoints.api.context import SETTINGS


def create_app(settings: Settings | None = None, complaint: ComplaintSettings | None = None) -> Flask:
    """The app serving /api/v1/complaints (settings from the environment when not given)."""
    settings = settings or Settings.from_env("complaint")
    app = create_service_app(settings, "Guanxi complaint service", blueprints())
    app.extensions[SETTINGS] = complaint or complaint_settings(settings, china_working_days())
    return app
