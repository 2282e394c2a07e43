"""The web process's side of live updates: where the page's script opens the stream, and what the
Content-Security-Policy must allow for it."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request

#: The stream's path on the live process (and on the edge, when it routes `/live/` there).
STREAM_PATH = "/live/stream"


def _host_name(host: str) -> str:
    """The host of a Host header without its port (an IPv6 address keeps its brackets)."""
    if host.startswith("["):
        return host[: host.index("]") + 1]
    return host.partition(":")[0]


def stream_url() -> str:
    """The stream's address as the browser opens it: CRM_CONSOLE_LIVE_URL, else the page's own scheme and host on
    the live process's port (cookies are not kept per port, so the session goes along)."""
    settings = current_app.extensions["console"].settings
    if settings.live_url:
        return settings.live_url
    return f"{request.scheme}://{_host_name(request.host)}:{settings.live_port}{STREAM_PATH}"


def stream_origin() -> str | None:
    """The stream's origin when it is not the page's own (the Content-Security-Policy's connect-src must name it)."""
    if not has_request_context() or "console" not in current_app.extensions:
        return None
    parts = urlsplit(stream_url())
    if not parts.netloc:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    return None if origin == request.host_url.rstrip("/") else origin


def install(app: Flask) -> None:
    """What base.html reads: the stream's address and the polling interval used while it is unavailable."""
    app.jinja_env.globals["live_stream_url"] = stream_url
    app.jinja_env.globals["live_poll_seconds"] = lambda: current_app.extensions["console"].settings.poll_seconds
