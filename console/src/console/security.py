"""What keeps a signed-in person's session theirs: the cookie, a CSRF token on every change, and a
Content-Security-Policy that runs no inline script (everything a customer typed is escaped by Jinja).

The session is Flask's signed cookie: HttpOnly, SameSite=Strict, and Secure whenever the browser reached the
gateway over HTTPS. It holds the person's bearer token, which no script on the page can read.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Request, Response, abort, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from console.live.page import stream_origin

#: Methods that change something: each must carry the session's CSRF token.
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "guanxi_session"
#: How long a session stands after sign-in.
SESSION_LIFETIME = timedelta(hours=12)
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure when the browser's own connection was HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.scheme == "https"


def session_reader(secret_key: str) -> Callable[[str], dict[str, Any] | None]:
    """What reads the session cookie outside the console's web process (the live-updates stream): Flask's own
    serializer, salt and maximum age for `secret_key`; a cookie that is forged, altered or too old reads as None."""
    app = Flask("console")
    app.secret_key = secret_key
    serializer = SessionCookie().get_signing_serializer(app)
    if serializer is None:  # Flask signs nothing without a secret key
        raise ValueError("reading the session cookie needs the console's secret key")
    max_age = int(SESSION_LIFETIME.total_seconds())

    def read(cookie: str) -> dict[str, Any] | None:
        try:
            return serializer.loads(cookie, max_age=max_age)
        except BadSignature:
            return None

    return read


def csrf_token() -> str:
    """The session's CSRF token (made on first use), for a hidden form field or the htmx header."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf(incoming: Request) -> None:
    """Refuse (400) a change that does not carry the session's CSRF token."""
    if incoming.method not in CHANGES:
        return
    sent = incoming.headers.get(CSRF_HEADER) or incoming.form.get(CSRF_FIELD) or ""
    expected = session.get(CSRF_FIELD) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="csrf")


def harden(response: Response) -> Response:
    """Headers every answer carries (the live-updates stream, when on another port of this host, is allowed)."""
    origin = stream_origin()
    response.headers["Content-Security-Policy"] = (CONTENT_SECURITY_POLICY.replace(
        "connect-src 'self'", f"connect-src 'self' {origin}") if origin else CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")  # pages hold customers' personal data
    return response


def install(app: Flask) -> None:
    app.session_interface = SessionCookie()
    app.config.update(SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Strict")
    app.before_request(lambda: check_csrf(request))
    app.after_request(harden)
    app.jinja_env.globals["csrf_token"] = csrf_token
