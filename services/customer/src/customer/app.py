"""The customer service's Flask app."""
from __future__ import annotations

from flask import Flask
from servicekit.config import Settings
from servicekit.webapp import create_service_app

from customer.domain.points import PointsPolicy
from customer.entrypoints.api import blueprints
from customer.entrypoints.api.errors import register_domain_errors
from customer.entrypoints.api.membership import POLICY
from customer.entrypoints.api.scope import register_scope
from customer.entrypoints.api.transfer import LIMITS
from customer.service_layer.imports import ImportLimits


def create_app(settings: Settings | None = None) -> Flask:
    """The app serving /api/v1/customers (settings from the environment when not given)."""
    settings = settings or Settings.from_env("customer")
    app = create_service_app(settings, "Guanxi customer service", blueprints())
    register_domain_errors(app)
    app.extensions[POLICY] = PointsPolicy.from_env(settings.extra)
    app.extensions[LIMITS] = ImportLimits.from_env(settings.extra)
    register_scope(app)
    return app
