"""Authentication at the door: a session token or an API key in, a short-lived service token out.

A session token (issued at login, audience the gateway) passes only while it still stands: its user active and
its token version the user's current one, so deactivation, a new role, new stores or a new password end it
within a second. For every request it lets in, the gateway mints a service token (audience the services,
CRM_SERVICE_TOKEN_TTL seconds) naming the same caller; services accept nothing else, so a token sent to a
service directly, or captured on the way, is worthless within seconds.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app, g, request
from servicekit.auth import Identity, bearer_token, issue_token, verify_session_token
from servicekit.config import Settings
from servicekit.problems import Problem
from servicekit.webapp import service_context

from gateway.service_layer import accounts

NO_LONGER_STANDS = ("The token no longer stands (the user was deactivated, or their role, stores or password "
                    "changed): log in again.")


def key_subject(key_id: str) -> str:
    """The caller an API key acts as: `key:<id>`, in a namespace of its own.

    Not the key's name: that is a free-text label, which two keys may share and which may equal a username,
    and services keep idempotency keys and history under the caller. Usernames hold no ':', so no user is
    ever `key:…`; the id is unique and never changes, and GET /api/v1/api-keys tells its name.
    """
    return f"key:{key_id}"


class ServiceTokens:
    """Service tokens minted in this process, each handed out again while at least half its lifetime is left.

    Signing one costs about as much as the rest of the door together; a caller's requests within a few
    seconds can share one (it names the same caller with the same rights: the session was checked first).
    """

    #: Forget every token past this many callers (they are only a saving; one caller's is made again at once).
    MAX_CALLERS = 10_000

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._minted: dict[tuple[Identity, int], tuple[str, float]] = {}

    def header(self, identity: Identity, ttl: int) -> str:
        """An `Authorization` value with a service token for `identity`, good for at least `ttl` / 2 seconds."""
        now = time.time()
        minted = self._minted.get((identity, ttl))
        if minted is None or minted[1] - now < ttl / 2:
            if len(self._minted) >= self.MAX_CALLERS:
                self._minted = {}
            minted = ("Bearer " + issue_token(self.secret, identity, ttl), int(now) + ttl)
            self._minted[(identity, ttl)] = minted
        return minted[0]


def authenticator(settings: Settings) -> Callable[[], Identity]:
    """The gateway's authenticate function for servicekit.webapp.create_service_app."""
    service_tokens = ServiceTokens(settings.auth_secret)

    def mint(identity: Identity) -> None:
        ttl = current_app.extensions["gateway"].config.service_token_ttl
        g.upstream_authorization = service_tokens.header(identity, ttl)

    def authenticate() -> Identity:
        token = bearer_token(request.headers.get("Authorization"))
        if token is not None:
            identity, version = verify_session_token(settings.auth_secret, token)
            standing = current_app.extensions["gateway"].standing
            if not standing.stands(service_context(current_app).sessions, identity.subject, version):
                raise Problem(401, "Unauthorized", NO_LONGER_STANDS)
            mint(identity)
            g.rate_limit_key = f"user:{identity.subject}"
            return identity
        key = request.headers.get("X-API-Key", "").strip()
        if not key:
            raise Problem(401, "Unauthorized", "Send 'Authorization: Bearer <token>' or 'X-API-Key: <key>'.")
        api_key = accounts.identify_api_key(service_context(current_app).sessions, key)
        if api_key is None:
            raise Problem(401, "Unauthorized", "The API key is not valid or has been revoked.")
        identity = Identity(subject=key_subject(api_key.id), role=api_key.role, kind="api_key", stores=api_key.stores)
        mint(identity)
        g.rate_limit_key = f"api_key:{api_key.id}"
        return identity

    return authenticate
