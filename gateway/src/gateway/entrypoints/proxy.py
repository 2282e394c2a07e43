"""Forwarding /api/v1/<prefix>/... to the service that owns it, streaming the answer back."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import quote

from flask import Flask, Response, current_app, g, request
from servicekit.metrics import Timer
from servicekit.problems import Problem
from urllib3 import BaseHTTPResponse, HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ProtocolError, ReadTimeoutError

from gateway.adapters.upstreams import UPSTREAM_DURATION, UPSTREAM_FAILURES, Upstreams
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


def _raw_target() -> str:
    """The path and query exactly as the client sent them (percent-encoding kept)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    if raw.startswith("/"):
        return raw
    query = request.query_string.decode("latin-1")
    return quote(request.path) + (f"?{query}" if query else "")


def _request_headers() -> dict[str, str]:
    headers = {name: request.headers[name] for name in FORWARDED if name in request.headers}
    if "upstream_authorization" in g:  # none for OPTIONS, which needs no credentials
        headers["Authorization"] = g.upstream_authorization
    return forwarding_headers(headers)


def forwarding_headers(headers: dict[str, str]) -> dict[str, str]:
    """`headers` plus the request's id and where it came from (X-Forwarded-For, -Proto, -Host)."""
    headers["X-Request-ID"] = g.request_id
    forwarded_for = request.headers.get("X-Forwarded-For")
    # The address the connection came from (a trusted proxy's, which X-Forwarded-For already ends with the client).
    client = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR") or request.remote_addr or "unknown"
    headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
    headers["X-Forwarded-Proto"] = request.scheme
    headers["X-Forwarded-Host"] = request.host
    return headers


def _response_headers(upstream: BaseHTTPResponse, service_url: str) -> dict[str, str]:
    received = upstream.headers
    headers = {name: received[name] for name in RETURNED if name in received}
    for name in REWRITTEN:
        if name in headers:
            headers[name] = headers[name].replace(service_url, request.host_url.rstrip("/"))
    return headers


def _call(pool: HTTPConnectionPool, method: str, target: str, body: bytes, headers: dict[str, str]
          ) -> BaseHTTPResponse:
    return pool.urlopen(method, target, body=body or None, headers=headers, preload_content=False,
                        decode_content=False)


def _send(service: str, headers: dict[str, str] | None = None) -> BaseHTTPResponse:
    """Send the current request to `service` (with `headers`, by default those an API call passes on); map every
    way it can fail to a problem naming it."""
    state = upstreams()
    pool = state.pool(service)
    method = request.method
    body = request.get_data(cache=False)
    target = state.prefixes[service] + _raw_target()
    headers = _request_headers() if headers is None else headers
    try:
        with Timer() as timer:
            try:
                response = _call(pool, method, target, body, headers)
            except ProtocolError:
                if method not in RETRIED:
                    raise
                # Most likely a pooled connection the service closed just as it was reused: send once more.
                # urllib3 closed the failed connection and put it back on top of the (last in, first out)
                # pool, so the second attempt reconnects rather than trying another idle connection.
                response = _call(pool, method, target, body, headers)
    except ConnectTimeoutError as exc:  # NewConnectionError (refused, unresolvable) is one too
        UPSTREAM_FAILURES.labels(service, "unavailable").inc()
        log.warning("%s service unavailable: %r", service, exc)
        raise Problem(503, "Service Unavailable", f"The {service} service is unavailable; try again shortly.",
                      service=service) from None
    except ReadTimeoutError:
        UPSTREAM_FAILURES.labels(service, "timeout").inc()
        raise Problem(504, "Gateway Timeout", f"The {service} service did not answer in time.",
                      service=service) from None
    except HTTPError as exc:
        UPSTREAM_FAILURES.labels(service, "bad_response").inc()
        log.warning("%s service failed mid-call: %r", service, exc)
        raise Problem(502, "Bad Gateway", f"The {service} service broke off its answer.",
                      service=service) from None
    UPSTREAM_DURATION.labels(service).observe(timer.seconds)
    return response


def _stream(service: str, upstream: BaseHTTPResponse) -> Iterator[bytes]:
    """The upstream body, chunk by chunk; the connection goes back to the pool at the end."""
    complete = False
    try:
        while chunk := upstream.read(CHUNK, decode_content=False):
            yield chunk
        complete = True
    except HTTPError as exc:
        # The status line is already out: all that is left is to cut the body short and say so in the log.
        UPSTREAM_FAILURES.labels(service, "broken_body").inc()
        log.warning("%s service broke off a response body: %r", service, exc)
    finally:
        if not complete:
            upstream.close()  # unread bytes (or a client that went away) make the connection unusable
        upstream.release_conn()


def forward(prefix: str, rest: str = "") -> Response:
    """Forward the current request to the service that serves /api/v1/<prefix>."""
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return current_app.make_default_options_response()  # a CORS preflight is the gateway's to answer
    service = ROUTES[prefix]
    if service not in upstreams().services:
        raise Problem(503, "Service Unavailable", f"The {service} service is not configured in this deployment.",
                      service=service)
    upstream = _send(service)
    headers = _response_headers(upstream, upstreams().services[service])
    response = Response(_stream(service, upstream), status=upstream.status, headers=headers,
                        direct_passthrough=True)
    if "Content-Type" not in upstream.headers:
        del response.headers["Content-Type"]  # not Flask's text/html default on, say, a 204
    return response


def register_routes(app: Flask) -> None:
    """Route every service prefix of ROUTES to `forward`."""
    for prefix in ROUTES:
        app.add_url_rule(f"/api/v1/{prefix}", endpoint=f"proxy_{prefix}", view_func=forward,
                         methods=METHODS, defaults={"prefix": prefix})
        app.add_url_rule(f"/api/v1/{prefix}/<path:rest>", endpoint=f"proxy_{prefix}_item", view_func=forward,
                         methods=METHODS, defaults={"prefix": prefix})
