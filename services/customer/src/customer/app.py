"""The customer service's Flask app."""
from __future__ import annotations

from flask import Flask
from servicekit.config import Settings
from servicekit.webapp import create_service_app

from customer.config import customer_settings
from customer.entrypoints.api import blueprints
from customer.entrypoints.api.context import SETTINGS
from customer.entrypoints.api.scope import register_scope


def create_app(settings: Settings | None = None) -> Flask:
    """The app serving /api/v1/customers (settings from the environment when not given)."""
    settings = settings or Settings.from_env("customer")
    app = create_service_app(settings, "Guanxi customer service", blueprints())
    app.extensions[SETTINGS] = customer_settings(settings.extra)
    register_scope(app)
    return app
