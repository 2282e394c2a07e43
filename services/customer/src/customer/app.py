"""The customer service's Flask app."""
from __future__ import annotations

from flask import Flask
from servicekit.config import Settings
from servicekit.webapp import create_service_app

from customer.entrypoints.api import blueprints
from customer.entrypoints.api.errors import register_domain_errors


def create_app(settings: Settings | None = None) -> Flask:
    """The app serving /api/v1/customers (settings from the environment when not given)."""
    settings = settings or Settings.from_env("customer")
    app = create_service_app(settings, "Guanxi customer service", blueprints())
    register_domain_errors(app)
    return app
