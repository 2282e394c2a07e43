"""The app factory every service builds on: problems, request ids, auth, metrics and health."""
from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, Response, g, request
from prometheus_client import Counter, Histogram
from prometheus_client.core import Metric
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import RequestEntityTooLarge

from servicekit import auth, body_limits, db_outages, metrics, outbox, statement_timeout
from servicekit.apidoc import ProblemApi, refuse_empty_patch
from servicekit.config import Settings
from servicekit.db import make_engine, make_session_factory, ping
from servicekit.events import correlation_id
from servicekit.problems import Problem, problem_response, register_problem_handlers

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json"})
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: What a 401 answer names as the way to authenticate (RFC 9110 §11.6.1).
WWW_AUTHENTICATE = 'Bearer realm="guanxi"'

log = logging.getLogger(__name__)


def request_id(incoming: str | None) -> str:
    """The id of a request: the one the client sent when it is a sane token, else a fresh one."""
    return incoming if incoming and REQUEST_ID.match(incoming) else uuid.uuid4().hex


def answer_stamps(request_id_: str, status: int) -> list[tuple[str, str]]:
    """The headers every answer carries: its request id, and on a 401 how to authenticate."""
    stamps = [("X-Request-ID", request_id_)]
    if status == 401:
        stamps.append(("WWW-Authenticate", WWW_AUTHENTICATE))
    return stamps


def stamp(response: Response, request_id_: str) -> None:
    """Put `answer_stamps` on `response` (the request id replacing any other; an authentication challenge the
    response already names kept)."""
    for name, value in answer_stamps(request_id_, response.status_code):
        if name == "X-Request-ID":
            response.headers[name] = value
        else:
            response.headers.setdefault(name, value)


class RequestMetrics:
    """Counts and times a service's answers by method, route template and status (servicekit.metrics).

    The labelled children are kept: prometheus_client looks each one up under a lock, which costs more than
    counting.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self._durations: dict[tuple[str, str], Histogram] = {}
        self._counts: dict[tuple[str, str, int], Counter] = {}

    def record(self, method: str, route: str, status: int, seconds: float | None) -> None:
        """Count one answer; time it too when `seconds` is known."""
        if seconds is not None:
            duration = self._durations.get((method, route))
            if duration is None:
                duration = self._durations[(method, route)] = metrics.HTTP_DURATION.labels(self.service, method,
                                                                                            route)
            duration.observe(seconds)
        count = self._counts.get((method, route, status))
        if count is None:
            count = self._counts[(method, route, status)] = metrics.HTTP_REQUESTS.labels(self.service, method,
                                                                                         route, str(status))
        count.inc()


@dataclass
class ServiceContext:
    """What a running service holds: its settings, database engine and session factory."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = correlation_id.get() or "-"
        return True


def configure_logging(level: str) -> None:
    """One log format for every process: time, level, logger, request id, message."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per upstream call is noise


def service_context(app: Flask) -> ServiceContext:
    """The ServiceContext of `app`."""
    return app.extensions["servicekit"]


def bearer_identity(secret: str) -> auth.Identity:
    """The caller named by the request's bearer token: how every service authenticates by default."""
    token = auth.bearer_token(request.headers.get("Authorization"))
    if token is None:
        raise Problem(401, "Unauthorized", "Send 'Authorization: Bearer <token>'.")
    return auth.verify_token(secret, token)


def create_service_app(settings: Settings, title: str, blueprints: Iterable = (), *,
                       check_broker: bool = True, engine: Engine | None = None,
                       public_paths: Iterable[str] = (),
                       public_when: Callable[[str], bool] | None = None,
                       authenticate: Callable[[], auth.Identity] | None = None,
                       idempotency: bool = True) -> Flask:
    """A Flask app for one service, with everything the kit gives every service wired in.

    `public_paths` are served without authentication besides the kit's own (health, metrics, OpenAPI), and so
    is every path `public_when` holds of (the gateway's paths to the staff console).
    `authenticate` reads the current request and returns its caller or raises Problem(401); by default
    it verifies the bearer token. With `idempotency`, writes honour an `Idempotency-Key` header
    (servicekit.idempotency).
    """
    public = PUBLIC_PATHS | frozenset(public_paths)
    authenticate = authenticate or (lambda: bearer_identity(settings.auth_secret))
    app = Flask(settings.service, static_folder=None)  # no /static route: the gateway passes it to the console
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,  # larger bodies are refused before they are read
        API_TITLE=title, API_VERSION="v1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json", JSON_AS_ASCII=False,
        API_SPEC_OPTIONS={"components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
            "security": [{"bearer": []}, {"apiKey": []}]},
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # the default provider, typed as its base
    engine = engine or make_engine(settings.database_url, statement_timeout=settings.statement_timeout,
                                   connect_timeout=settings.db_connect_timeout)
    app.extensions["servicekit"] = ServiceContext(settings, engine, make_session_factory(engine))
    app.extensions["servicekit_metrics"] = RequestMetrics(settings.service)
    register_problem_handlers(app)
    api = ProblemApi(app, idempotency=idempotency)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["servicekit_api"] = api
    register_problem_handlers(app)  # again: flask-smorest registered its own HTTPException handler
    statement_timeout.register(app, settings.statement_timeout)
    db_outages.register(app, engine, settings.db_retries)
    _register_error_handlers(app, settings)
    _register_request_hooks(app, settings, lambda path: path in public or bool(public_when and public_when(path)),
                            authenticate)
    if idempotency:  # after the authentication hook: keys belong to the caller
        from servicekit import idempotency as idempotency_keys

        idempotency_keys.register(app, engine)
    app.teardown_request(_reset_correlation_id)
    _register_health(app, settings, engine, check_broker)
    return app


def _register_error_handlers(app: Flask, settings: Settings) -> None:
    """A database that went away answers 503 (other database errors 500), a body too large 413."""

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError) -> Response:
        if db_outages.transient(error):
            return db_outages.unavailable(error)
        log.exception("unhandled database error")
        return problem_response(500, "Internal Server Error", "An unexpected error occurred; it has been logged.")

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_error: RequestEntityTooLarge) -> Response:
        limit = settings.max_request_bytes
        return problem_response(413, "Content Too Large",
                                f"The request body is larger than this service accepts ({limit:,} bytes; "
                                "CRM_MAX_REQUEST_BYTES). Split the file or ask for the limit to be raised.",
                                limit_bytes=limit)


def _register_request_hooks(app: Flask, settings: Settings, public: Callable[[str], bool],
                            authenticate: Callable[[], auth.Identity]) -> None:
    """Every request gets an id and is timed; one to a path that is not `public` is authenticated first of all,
    then its body is bounded; every answer names the request id and is counted."""
    request_metrics: RequestMetrics = app.extensions["servicekit_metrics"]

    @app.before_request
    def _start() -> Response | None:
        g.request_id = request_id(request.environ.get("HTTP_X_REQUEST_ID"))
        g.correlation_token = correlation_id.set(g.request_id)
        g.started = time.perf_counter()
        if request.method == "OPTIONS" or public(request.path):
            return None
        g.identity = authenticate()
        return None

    @app.before_request
    def _bounded_body() -> Response | None:
        # Before any view or hook parses it; after authentication, so a protected route never reads an
        # anonymous body.
        body_limits.check_request(settings.max_json_items, settings.max_json_depth)
        return refuse_empty_patch()

    @app.after_request
    def _finish(response: Response) -> Response:
        stamp(response, g.get("request_id", ""))
        route = request.url_rule.rule if request.url_rule else "unmatched"
        started = g.get("started")
        request_metrics.record(request.method, route, response.status_code,
                               None if started is None else time.perf_counter() - started)
        return response


def _reset_correlation_id(_exc: BaseException | None) -> None:
    token = g.pop("correlation_token", None)
    if token is not None:
        correlation_id.reset(token)


_SCRAPED = "servicekit_scraped"


def add_scraped_metrics(app: Flask, read: Callable[[], Iterable[Metric]]) -> None:
    """Have /metrics include the metrics `read` returns, read again at each scrape (gauges of a service's own
    tables, as the outbox's backlog)."""
    app.extensions.setdefault(_SCRAPED, []).append(read)


def _register_health(app: Flask, settings: Settings, engine: Engine, check_broker: bool) -> None:
    """/healthz (the process answers), /readyz (its database, and its broker when `check_broker`, answer too)
    and /metrics (Prometheus, with the outbox's backlog)."""
    from servicekit.bus import check_broker as broker_ready

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "service": settings.service}

    @app.get("/readyz")
    def readyz():
        checks = {}
        try:
            ping(engine)
            checks["database"] = "ok"
        except Exception as exc:  # any failure means not ready
            checks["database"] = f"unreachable: {type(exc).__name__}"
        if check_broker:
            try:
                broker_ready(settings)
                checks["broker"] = "ok"
            except Exception as exc:
                checks["broker"] = f"unreachable: {type(exc).__name__}"
        ready = all(value == "ok" for value in checks.values())
        if not ready:
            return problem_response(503, "Service Unavailable", "Not ready.", service=settings.service,
                                    checks=checks)
        return {"status": "ready", "service": settings.service, "checks": checks}

    add_scraped_metrics(app, lambda: metrics.outbox_gauges(settings.service, *outbox.backlog(engine)))

    @app.get("/metrics")
    def metrics_view():
        payload, content_type = metrics.render([metrics.ScrapedCollector(read) for read in app.extensions[_SCRAPED]])
        return Response(payload, mimetype=content_type.split(";")[0], content_type=content_type)
