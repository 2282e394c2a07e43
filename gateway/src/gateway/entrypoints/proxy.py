"""Forwarding /api/v1/<prefix>/... to the service that owns it, streaming the answer back."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, current_app, g, request
from servicekit.metrics import Timer
from servicekit.problems import Problem
from werkzeug.wsgi import get_host

from gateway.adapters.upstreams import UPSTREAM_FAILURES, Answer, TimedOut, Unreachable, UpstreamError, Upstreams
from gateway.config import ROUTES

log = logging.getLogger(__name__)
#: OPTIONS and TRACE go through too: only the service knows which methods a path allows (its 405 and OPTIONS
#: answers carry the true Allow header; the gateway's own would name every method it forwards).
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
#: Request headers a service may act on; everything else stays at the door (the API key above all).
FORWARDED = ("Content-Type", "Accept", "Accept-Language", "If-Match", "If-None-Match", "Idempotency-Key")
#: Response headers a client may act on; hop-by-hop and server details stay behind.
RETURNED = ("Content-Type", "Content-Length", "Content-Disposition", "ETag", "Last-Modified", "Location",
            "Link", "Retry-After", "X-Pagination", "Allow", "Cache-Control", "Vary", "Idempotent-Replayed")
#: Absolute URLs in these headers point at the service; the client must be sent to the gateway instead.
REWRITTEN = ("Location", "Link")
CHUNK = 64 * 1024
#: Methods sent a second time, on a fresh connection, when a pooled one turns out to be closed by the service
#: before any answer (RFC 9110 9.2.2 allows it for idempotent methods; a POST or PATCH is never repeated).
RETRIED = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def upstreams() -> Upstreams:
    """The Upstreams of the current app."""
    return current_app.extensions["gateway"].upstreams


def environ_keys(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(header name, its WSGI environ key) for each of `names`, as werkzeug's EnvironHeaders looks them up."""
    keys = []
    for name in names:
        key = name.upper().replace("-", "_")
        keys.append((name, key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"))
    return tuple(keys)


_FORWARDED_KEYS = environ_keys(FORWARDED)
_RETURNED_KEYS = tuple((name, name.lower()) for name in RETURNED)


def raw_target(environ: dict[str, Any], path: str) -> str:
    """The path and query exactly as the client sent them (percent-encoding kept); `path` is the decoded path,
    quoted again when the server did not pass the raw one on."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if raw.startswith("/"):
        return raw
    query = environ.get("QUERY_STRING", "")
    return quote(path) + (f"?{query}" if query else "")


def api_request_headers(environ: dict[str, Any], request_id: str, authorization: str | None) -> dict[str, str]:
    """The headers an API call passes on to its service: those it may act on, the service token (none for
    OPTIONS, which needs no credentials), the request's id and where it came from."""
    headers = {name: environ[key] for name, key in _FORWARDED_KEYS if key in environ}
    if authorization is not None:
        headers["Authorization"] = authorization
    return forwarded_from(environ, headers, request_id)


def forwarded_from(environ: dict[str, Any], headers: dict[str, str], request_id: str) -> dict[str, str]:
    """`headers` plus the request's id and where it came from (X-Forwarded-For, -Proto, -Host)."""
    headers["X-Request-ID"] = request_id
    forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
    # The address the connection came from (a trusted proxy's, which X-Forwarded-For already ends with the client).
    client = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR") or environ.get("REMOTE_ADDR") or "unknown"
    headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
    headers["X-Forwarded-Proto"] = environ["wsgi.url_scheme"]
    headers["X-Forwarded-Host"] = get_host(environ)
    return headers


def forwarding_headers(headers: dict[str, str]) -> dict[str, str]:
    """`headers` plus the current request's id and where it came from."""
    return forwarded_from(request.environ, headers, g.request_id)


def returned_headers(upstream: Answer, service_url: str, environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers of the service's answer a client gets, absolute URLs to the service pointed at the gateway."""
    received = upstream.headers
    headers = received.pick(_RETURNED_KEYS)
    if any(name in received for name in REWRITTEN):
        host_url = f"{environ['wsgi.url_scheme']}://{get_host(environ)}"
        headers = [(name, value.replace(service_url, host_url) if name in REWRITTEN else value)
                   for name, value in headers]
    return headers


def send(state: Upstreams, service: str, method: str, target: str, body: bytes, headers: dict[str, str]
         ) -> Answer:
    """Send a request to `service`; map every way it can fail to a problem naming it.

    A pooled connection the service closed just as it was reused is tried once more, on a fresh connection,
    for a method that may be repeated (never a POST or PATCH).
    """
    try:
        with Timer() as timer:
            response = state.send(service, method, target, headers, body, resend=method in RETRIED)
    except Unreachable as exc:
        UPSTREAM_FAILURES.labels(service, "unavailable").inc()
        log.warning("%s service unavailable: %s", service, exc)
        raise Problem(503, "Service Unavailable", f"The {service} service is unavailable; try again shortly.",
                      service=service) from None
    except TimedOut:
        UPSTREAM_FAILURES.labels(service, "timeout").inc()
        raise Problem(504, "Gateway Timeout", f"The {service} service did not answer in time.",
                      service=service) from None
    except UpstreamError as exc:
        UPSTREAM_FAILURES.labels(service, "bad_response").inc()
        log.warning("%s service failed mid-call: %s", service, exc)
        raise Problem(502, "Bad Gateway", f"The {service} service broke off its answer.",
                      service=service) from None
    state.timed(service, timer.seconds)
    return response


def _send(service: str, headers: dict[str, str] | None = None) -> Answer:
    """Send the current request to `service` (with `headers`, by default those an API call passes on)."""
    state = upstreams()
    target = state.prefixes[service] + raw_target(request.environ, request.path)
    if headers is None:
        headers = api_request_headers(request.environ, g.request_id, g.get("upstream_authorization"))
    return send(state, service, request.method, target, request.get_data(cache=False), headers)


def broken_body(service: str, exc: Exception) -> None:
    """Count and log a body the service broke off after its status line went out."""
    UPSTREAM_FAILURES.labels(service, "broken_body").inc()
    log.warning("%s service broke off a response body: %r", service, exc)


def _stream(service: str, upstream: Answer) -> Iterator[bytes]:
    """The upstream body, chunk by chunk; the connection goes back to the pool at the end."""
    try:
        while chunk := upstream.read(CHUNK):
            yield chunk
    except UpstreamError as exc:
        # The status line is already out: all that is left is to cut the body short and say so in the log.
        broken_body(service, exc)
    finally:
        upstream.release_conn()  # closed unless the body was read to its end (or a client went away)


def proxied_response(service: str, upstream: Answer, headers: Iterable[tuple[str, str]], method: str) -> Response:
    """The Response passing `upstream` on with `headers`, its body streamed."""
    if method == "HEAD" or upstream.complete:
        upstream.release_conn()  # no body to stream (werkzeug sends none for HEAD)
        body: Iterable[bytes] = iter(())  # not a sequence, which werkzeug would give a Content-Length
    else:
        body = _stream(service, upstream)
    response = Response(body, status=upstream.status, headers=headers, direct_passthrough=True)
    if "Content-Type" not in upstream.headers:
        del response.headers["Content-Type"]  # not Flask's text/html default on, say, a 204
    return response


def service_of(prefix: str, state: Upstreams) -> str:
    """The service that serves /api/v1/<prefix>; a 503 problem when it is not configured."""
    service = ROUTES[prefix]
    if service not in state.services:
        raise Problem(503, "Service Unavailable", f"The {service} service is not configured in this deployment.",
                      service=service)
    return service


def forward(prefix: str, rest: str = "") -> Response:
    """Forward the current request to the service that serves /api/v1/<prefix>."""
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return current_app.make_default_options_response()  # a CORS preflight is the gateway's to answer
    state = upstreams()
    service = service_of(prefix, state)
    upstream = _send(service)
    headers = returned_headers(upstream, state.services[service], request.environ)
    return proxied_response(service, upstream, headers, request.method)


def register_routes(app: Flask) -> None:
    """Route every service prefix of ROUTES to `forward`."""
    for prefix in ROUTES:
        app.add_url_rule(f"/api/v1/{prefix}", endpoint=f"proxy_{prefix}", view_func=forward,
                         methods=METHODS, defaults={"prefix": prefix})
        app.add_url_rule(f"/api/v1/{prefix}/<path:rest>", endpoint=f"proxy_{prefix}_item", view_func=forward,
                         methods=METHODS, defaults={"prefix": prefix})
