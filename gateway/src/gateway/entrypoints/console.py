"""Every browser path outside the API (/api/, /metrics, /healthz, /readyz) goes to the staff console, so a person
opens the gateway's address and signs in. The console is a client of this same API: its pages need no
credentials here (it keeps each person's session itself), and the answers come back as the console gave them,
cookies and security headers included."""
from __future__ import annotations

import hashlib
import hmac
import time

from flask import Flask, Response, current_app, request
from servicekit.problems import Problem
from servicekit.webapp import service_context
from werkzeug.datastructures import Headers
from werkzeug.routing import PathConverter

from gateway.entrypoints.proxy import _send, forwarding_headers, proxied_response, upstreams

METHODS = ["GET", "HEAD", "POST"]
#: The API's own paths: never the console's.
RESERVED_PREFIX = "/api/"
RESERVED = frozenset({"/api", "/metrics", "/healthz", "/readyz"})
#: What a browser (and htmx in it) sends that the console acts on.
FORWARDED = ("Content-Type", "Accept", "Accept-Language", "Cookie", "If-None-Match", "If-Modified-Since",
             "Referer", "Origin", "User-Agent", "X-CSRF-Token", "HX-Request", "HX-Current-URL", "HX-Target",
             "HX-Trigger", "HX-Trigger-Name", "HX-Boosted", "HX-History-Restore-Request")
#: What the console answers that the browser must get.
RETURNED = ("Content-Type", "Content-Length", "Content-Language", "Content-Disposition", "Location", "Cache-Control",
            "ETag", "Last-Modified", "Vary", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
            "Referrer-Policy", "Server-Timing", "HX-Redirect", "HX-Location", "HX-Refresh", "HX-Push-Url",
            "HX-Replace-Url", "HX-Retarget", "HX-Reswap", "HX-Trigger")


#: The browser's address as the gateway saw it, vouched for (signed) by the gateway on every request it passes to
#: the console; the console sends it back unchanged on its API calls, so that failed sign-ins and the login rate
#: limit count per browser, not all on the console's one address (one person mistyping a password 100 times
#: would otherwise lock every colleague out of signing in).
CLIENT_HEADER = "X-Console-Client"
#: Seconds a vouched address stays good: the console calls the API within the browser's own request.
VOUCHED_FOR = 120


def _signature(address: str, issued: int) -> str:
    key = hmac.new(service_context(current_app).settings.auth_secret.encode(), b"console client address",
                   hashlib.sha256).digest()
    return hmac.new(key, f"{address};{issued}".encode(), hashlib.sha256).hexdigest()


def vouch(address: str) -> str:
    """The CLIENT_HEADER value for `address`, signed now."""
    issued = int(time.time())
    return f"{address};{issued};{_signature(address, issued)}"


def vouched_address() -> str | None:
    """The browser address the console passed on for the current request, when the gateway signed it lately."""
    value = request.headers.get(CLIENT_HEADER)
    if not value or value.count(";") != 2:
        return None
    address, issued, signature = value.split(";")
    if not issued.isdigit() or abs(time.time() - int(issued)) > VOUCHED_FOR:
        return None
    return address if hmac.compare_digest(signature, _signature(address, int(issued))) else None


def is_console_path(path: str) -> bool:
    """Whether `path` is the console's (public at the gateway: the console signs people in itself)."""
    return not (path.startswith(RESERVED_PREFIX) or path in RESERVED)


def forward(rest: str = "") -> Response:
    """Pass the current browser request to the console and its answer back."""
    if not is_console_path(request.path):
        raise Problem(404, "Not Found", f"No API path {request.path}: see /api/v1/openapi.json.")
    if "console" not in upstreams().urls:
        raise Problem(404, "Not Found", "There is no staff console in this deployment; the API is at /api/v1.")
    sent = forwarding_headers({name: request.headers[name] for name in FORWARDED if name in request.headers})
    sent[CLIENT_HEADER] = vouch(request.remote_addr or "unknown")
    upstream = _send("console", sent)
    headers = Headers([(name, upstream.headers[name]) for name in RETURNED if name in upstream.headers])
    for cookie in upstream.headers.getlist("Set-Cookie"):
        headers.add("Set-Cookie", cookie)
    return proxied_response("console", upstream, headers, request.method)


class ConsolePath(PathConverter):
    """A path that is not the API's: a method the API does not allow on one of its paths stays a 405 naming the
    methods it does (the console's GET and POST never join them)."""

    regex = r"(?!api(?:/|$))[^/].*?"


def register(app: Flask) -> None:
    """Route `/` and every other path the API does not own to the console."""
    app.url_map.converters["console_path"] = ConsolePath
    app.add_url_rule("/", endpoint="console_home", view_func=forward, methods=METHODS)
    app.add_url_rule("/<console_path:rest>", endpoint="console", view_func=forward, methods=METHODS)
