"""The fast path of proxied reads: a WSGI app in front of the gateway's Flask app.

A GET or HEAD without a body to a service's path (/api/v1/<prefix>[/...], ROUTES) is most of what the gateway
does, and Flask's request machinery around the forward (contexts, URL map, hooks, a Response object and its
header fix-ups) took 5.1 of 14.1 s in a profile of 2,000 of them. Such a request is answered here, doing what the
Flask path does with the same functions: the caller admitted (authentication.Door.admit), counted against its
rate limit (limits.RateLimits), sent on with the same headers (proxy.api_request_headers) and mapped failures
(proxy.send), answered with the same headers, request id and challenge (servicekit.webapp.answer_stamps) and
counted in the same metrics (servicekit.webapp.RequestMetrics).

Everything else goes to the Flask app untouched: writes, OPTIONS, requests with a body, the gateway's own
endpoints (also those under a service's prefix, such as the personal-data export), paths Flask would redirect
or refuse, and every request when CORS is configured (flask-cors decides its headers per request). So does a
request whose authentication fails other than with a 401 (a database that went away): the Flask path answers
it as it answers any other.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from flask import Flask, Response
from servicekit.events import correlation_id
from servicekit.problems import Problem, problem_response
from servicekit.webapp import RequestMetrics, answer_stamps, request_id, stamp
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, Rule

from gateway.config import ROUTES
from gateway.entrypoints.authentication import Door
from gateway.entrypoints.limits import RateLimits
from gateway.entrypoints.proxy import (
    CHUNK,
    _stream,
    api_request_headers,
    proxied_response,
    raw_target,
    returned_headers,
    send,
    service_of,
)

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
API = "/api/v1/"
METHODS = frozenset({"GET", "HEAD"})


@lru_cache(maxsize=64)
def status_line(status: int) -> str:
    """The status line werkzeug sends for `status` ("200 OK", "404 NOT FOUND", "599 UNKNOWN")."""
    return Response(status=status).status


class FastProxy:
    """Answers proxied reads itself; passes every other request to `flask_app` (the Flask app's WSGI app)."""

    def __init__(self, app: Flask, door: Door, limits: RateLimits, flask_app: WSGIApp) -> None:
        self.app, self.door, self.limits, self.flask_app = app, door, limits, flask_app
        self.state = app.extensions["gateway"]
        self.metrics: RequestMetrics = app.extensions["servicekit_metrics"]
        self.enabled = not self.state.config.cors_origins
        #: prefix -> (route template of /api/v1/<prefix>, of /api/v1/<prefix>/<path:rest>), as Flask names them
        rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
        self.routes = {prefix: (rules[f"proxy_{prefix}"], rules[f"proxy_{prefix}_item"]) for prefix in ROUTES}
        own = self._own_rules(app)
        self.own: MapAdapter | None = own.bind("localhost") if own is not None else None
        #: (static start, static end) of each of those routes: a path that has neither is none of them
        self.own_ends = tuple((rule.rule.split("<", 1)[0], rule.rule.rsplit(">", 1)[-1])
                              for rule in (own.iter_rules() if own is not None else ()))

    @staticmethod
    def _own_rules(app: Flask) -> Map | None:
        """The gateway's own routes under a service's prefix (they go to Flask), as a map to match paths against."""
        own = [Rule(rule.rule, endpoint=rule.endpoint)
               for rule in app.url_map.iter_rules()
               if not str(rule.endpoint).startswith("proxy_")
               and any(rule.rule == f"{API}{prefix}" or rule.rule.startswith(f"{API}{prefix}/") for prefix in ROUTES)]
        return Map(own, converters=app.url_map.converters) if own else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        route = self._route(environ)
        if route is None:
            return self.flask_app(environ, start_response)
        return self._proxy(environ, start_response, *route)

    def _route(self, environ: dict[str, Any]) -> tuple[str, str] | None:
        """(prefix, route template) when the request is a proxied read without a body, else None."""
        if not self.enabled or environ.get("REQUEST_METHOD") not in METHODS:
            return None
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(API) or environ.get("CONTENT_LENGTH", "0") not in ("", "0") \
                or "HTTP_TRANSFER_ENCODING" in environ:
            return None
        prefix, slash, rest = path[len(API):].partition("/")
        routes = self.routes.get(prefix)
        if routes is None:
            return None
        if not slash:
            return prefix, routes[0]
        if not rest or "//" in path or path.endswith("/"):
            return None  # Flask's URL map decides: a redirect, a 404
        if self.own is not None and any(path.startswith(start) and path.endswith(end) for start, end in self.own_ends):
            try:
                self.own.match(_decoded(path), "GET")
            except HTTPException as exc:
                if exc.code != 404:
                    return None  # the gateway's own route (or a redirect to one)
            else:
                return None
        return prefix, routes[1]

    def _proxy(self, environ: dict[str, Any], start_response: Callable[..., Any], prefix: str, route: str
               ) -> Iterable[bytes]:
        started = time.perf_counter()
        method: str = environ["REQUEST_METHOD"]
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = correlation_id.set(rid)
        try:
            try:
                admitted = self.door.admit(self.app, environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_X_API_KEY"))
            except Problem as problem:
                return self._problem(problem, environ, start_response, rid, method, route, started)
            except Exception:  # noqa: BLE001  # e.g. the database gone: answered as on every other path
                return self.flask_app(environ, start_response)
            try:
                return self._forward(environ, start_response, prefix, route, admitted.rate_limit_key,
                                     admitted.upstream_authorization, rid, started)
            except Problem as problem:
                return self._problem(problem, environ, start_response, rid, method, route, started)
            except Exception:
                log.exception("unhandled error")
                unexpected = Problem(500, "Internal Server Error", "An unexpected error occurred; it has been logged.")
                return self._problem(unexpected, environ, start_response, rid, method, route, started)
        finally:
            correlation_id.reset(token)

    def _forward(self, environ: dict[str, Any], start_response: Callable[..., Any], prefix: str, route: str,
                 caller: str, authorization: str, rid: str, started: float) -> Iterable[bytes]:
        method: str = environ["REQUEST_METHOD"]
        if not self.limits.count(caller):
            with self.app.app_context():
                refusal = self.limits.refusal(self.limits.general, "caller", caller)
            return self._respond(refusal, environ, start_response, rid, method, route, started)
        state = self.state.upstreams
        service = service_of(prefix, state)
        target = state.prefixes[service] + raw_target(environ, _decoded(environ["PATH_INFO"]))
        upstream = send(state, service, method, target, b"", api_request_headers(environ, rid, authorization))
        headers = returned_headers(upstream, state.services[service], environ)
        status = upstream.status
        if status < 200 or status in (204, 304) or "Location" in upstream.headers \
                or "Content-Type" not in upstream.headers:
            # werkzeug adjusts the headers of these (a Location made a URI, entity headers dropped from a 304, a
            # Content-Length from a 204): let it, as on the Flask path
            return self._respond(proxied_response(service, upstream, headers, method), environ, start_response,
                                 rid, method, route, started)
        if method == "HEAD" or upstream.complete:
            upstream.release_conn()
            body: Iterable[bytes] = []
        elif upstream.length is not None and upstream.length <= CHUNK:
            body = [b"".join(_stream(service, upstream))]
        else:
            body = _stream(service, upstream)
        headers += answer_stamps(rid, status)
        self.metrics.record(method, route, status, time.perf_counter() - started)
        start_response(status_line(status), headers)
        return body

    def _problem(self, problem: Problem, environ: dict[str, Any], start_response: Callable[..., Any], rid: str,
                 method: str, route: str, started: float) -> Iterable[bytes]:
        with self.app.app_context():  # problem bodies are the app's JSON (its key order)
            response = problem_response(problem.status, problem.title, problem.detail, **problem.extra)
        return self._respond(response, environ, start_response, rid, method, route, started)

    def _respond(self, response: Response, environ: dict[str, Any], start_response: Callable[..., Any], rid: str,
                 method: str, route: str, started: float) -> Iterable[bytes]:
        stamp(response, rid)
        self.metrics.record(method, route, response.status_code, time.perf_counter() - started)
        return response(environ, start_response)


def _decoded(path: str) -> str:
    """A WSGI path (latin-1 code points of the bytes sent) as text, as werkzeug decodes it."""
    try:
        return path.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return path


def install(app: Flask, door: Door, limits: RateLimits) -> FastProxy:
    """Put the fast path in front of `app`'s WSGI app (after every route is registered)."""
    fast = FastProxy(app, door, limits, app.wsgi_app)
    app.wsgi_app = fast  # type: ignore[method-assign]
    return fast
