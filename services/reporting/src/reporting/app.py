"""The reporting service's Flask app."""
from __future__ import annotations

from flask import Flask
from servicekit.config import Settings
from servicekit.webapp import add_scraped_metrics, create_service_app, service_context

from reporting.config import max_period_days, time_zone
from reporting.entrypoints.api import blueprints
from reporting.metrics import tally_changes_waiting
from reporting.service_layer.tally_folding import COUNTED_UP_TO, waiting


def create_app(settings: Settings | None = None) -> Flask:
    """The app serving /api/v1/reports (settings from the environment when not given)."""
    settings = settings or Settings.from_env("reporting")
    app = create_service_app(settings, "Guanxi reporting service", blueprints())
    app.extensions["reporting"] = {"max_period_days": max_period_days(settings), "time_zone": time_zone(settings.extra)}
    sessions = service_context(app).sessions
    add_scraped_metrics(app, lambda: [tally_changes_waiting(waiting(sessions), COUNTED_UP_TO)])
    return app
