"""Forwarding /api/v1/<prefix>/... to the service that owns it, streaming the answer back."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import quote

import httpx
from flask import Flask, Response, current_app, g, request
from servicekit.metrics import Timer
from servicekit.problems import Problem

from gateway.adapters.upstreams import UPSTREAM_DURATION, UPSTREAM_FAILURES, Upstreams
from gateway.config import ROUTES

log = logging.getLogger(__name__)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
#: Request headers a service may act on; everything else stays at the door (the API key above all).
FORWARDED = ("Content-Type", "Accept", "Accept-Language", "If-Match", "If-None-Match", "Idempotency-Key")
#: Response headers a client may act on; hop-by-hop and server details stay behind.
RETURNED = ("Content-Type", "Content-Length", "Content-Disposition", "ETag", "Last-Modified", "Location",
            "Link", "Retry-After", "X-Pagination", "Allow", "Cache-Control")
#: Absolute URLs in these headers point at the service; the client must be sent to the gateway instead.
REWRITTEN = ("Location", "Link")
CHUNK = 64 * 1024


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
    headers["Authorization"] = g.upstream_authorization
    headers["X-Request-ID"] = g.request_id
    forwarded_for = request.headers.get("X-Forwarded-For")
    client = request.remote_addr or "unknown"
    headers["X-Forwarded-For"] = f"{forwarded_for}, {client}" if forwarded_for else client
    headers["X-Forwarded-Proto"] = request.scheme
    headers["X-Forwarded-Host"] = request.host
    return headers


def _response_headers(upstream: httpx.Response, service_url: str) -> dict[str, str]:
    headers = {name: upstream.headers[name] for name in RETURNED if name in upstream.headers}
    gateway_url = request.host_url.rstrip("/")
    for name in REWRITTEN:
        if name in headers:
            headers[name] = headers[name].replace(service_url, gateway_url)
    return headers


def _send(service: str) -> httpx.Response:
    """Send the current request to `service`; map every way it can fail to a problem naming it."""
    client = upstreams().client(service)
    body = request.get_data(cache=False)
    outgoing = client.build_request(request.method, _raw_target(), headers=_request_headers(),
                                    content=body if body or request.method in ("POST", "PUT", "PATCH") else None)
    try:
        with Timer() as timer:
            response = client.send(outgoing, stream=True)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        UPSTREAM_FAILURES.labels(service, "unavailable").inc()
        log.warning("%s service unavailable: %r", service, exc)
        raise Problem(503, "Service Unavailable", f"The {service} service is unavailable; try again shortly.",
                      service=service) from None
    except httpx.TimeoutException:
        UPSTREAM_FAILURES.labels(service, "timeout").inc()
        raise Problem(504, "Gateway Timeout", f"The {service} service did not answer in time.",
                      service=service) from None
    except httpx.TransportError as exc:
        UPSTREAM_FAILURES.labels(service, "bad_response").inc()
        log.warning("%s service failed mid-call: %r", service, exc)
        raise Problem(502, "Bad Gateway", f"The {service} service broke off its answer.",
                      service=service) from None
    UPSTREAM_DURATION.labels(service).observe(timer.seconds)
    return response


def _stream(service: str, upstream: httpx.Response) -> Iterator[bytes]:
    """The upstream body, chunk by chunk; the connection goes back to the pool at the end."""
    try:
        yield from upstream.iter_raw(CHUNK)
    except httpx.TransportError as exc:
        # The status line is already out: all that is left is to cut the body short and say so in the log.
        UPSTREAM_FAILURES.labels(service, "broken_body").inc()
        log.warning("%s service broke off a response body: %r", service, exc)
    finally:
        upstream.close()


def forward(prefix: str, rest: str = "") -> Response:
    """Forward the current request to the service that serves /api/v1/<prefix>."""
    service = ROUTES[prefix]
    if service not in upstreams().services:
        raise Problem(503, "Service Unavailable", f"The {service} service is not configured in this deployment.",
                      service=service)
    upstream = _send(service)
    headers = _response_headers(upstream, upstreams().services[service])
    response = Response(_stream(service, upstream), status=upstream.status_code, headers=headers,
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
