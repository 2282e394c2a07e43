"""create_app: the console's Flask app. It keeps no data of its own: every page is made from API calls."""
from __future__ import annotations

import logging
import time
import uuid

from flask import Flask, g, render_template, request, session
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from console import i18n, security
from console.api import ApiClient, ApiError, SignInNeeded, server_timing
from console.config import ConsoleSettings
from console.live import page as live_page
from console.people import current_person
from console.views import (
    admin,
    appointments,
    auth,
    bulk,
    complaints,
    customers,
    data,
    manage,
    reports,
    saved_views,
    search,
    settings,
    today,
)

log = logging.getLogger(__name__)
BLUEPRINTS = (auth.blp, today.blp, search.blp, customers.blp, complaints.blp, appointments.blp, manage.blp,
              reports.blp, settings.blp, admin.blp, data.blp, bulk.blp,
              saved_views.blp)


class ConsoleState:
    """What the console's views share: its settings and its connections to the API."""

    def __init__(self, settings: ConsoleSettings, api: ApiClient) -> None:
        self.settings, self.api = settings, api


def create_app(settings: ConsoleSettings | None = None, *, api: ApiClient | None = None) -> Flask:
    """The console app; `api` replaces the connection to the gateway (tests give one over a fake transport)."""
    settings = settings or ConsoleSettings.from_env()
    app = Flask("console")
    # Reached through the gateway, which names the browser's address, scheme and host (one hop).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.secret_key = settings.secret_key
    app.config["PERMANENT_SESSION_LIFETIME"] = security.SESSION_LIFETIME
    app.extensions["console"] = ConsoleState(settings, api or ApiClient(settings.api_url, settings.api_timeout))
    app.before_request(_request_id)  # first: every answer, a refused form's too, has its id and Server-Timing
    security.install(app)
    live_page.install(app)
    i18n.install(app, settings.time_zone, settings.var_dir / "console" / "translations")
    app.before_request(auth.require_session)
    app.after_request(server_timing)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.context_processor(lambda: {"person": current_person(), "manage_tools": manage.tools})
    app.jinja_env.tests["failed"] = lambda value: isinstance(value, ApiError)
    app.jinja_env.globals["has_screen"] = lambda endpoint: endpoint in app.view_functions
    _errors(app)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "service": "console"}

    return app


def _request_id() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else uuid.uuid4().hex


def _errors(app: Flask) -> None:
    @app.errorhandler(SignInNeeded)
    def _sign_in_again(_error: SignInNeeded):
        session.pop("token", None)
        return auth.to_signin()

    @app.errorhandler(ApiError)
    def _refused(error: ApiError):
        # A refusal no page handled in place: say it in words, with the status the API gave.
        status = error.status if 400 <= error.status < 600 else 502
        return render_template("error.html", error=error, status=status), status

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code == 400 and error.description == "csrf":
            message = _("This form has expired or did not come from this console. Reload the page and try again.")
        elif error.code == 404:
            message = _("There is no such page.")
        elif error.code == 405:
            message = _("This page cannot be used that way.")
        else:
            message = _("The request could not be handled.")
        return render_template("error.html", message=message, status=error.code), error.code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return render_template("error.html", message=_("Something went wrong on our side. Reference: %(id)s",
                                                       id=g.get("request_id", "")), status=500), 500
