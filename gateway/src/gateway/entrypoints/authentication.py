"""Authentication at the door: a session token or an API key in, a short-lived service token out.

A session token (issued at login, audience the gateway) passes only while it still stands: its user active and
its token version the user's current one, so deactivation, a new role, new stores or a new password end it
within a second. For every request it lets in, the gateway mints a service token (audience the services,
CRM_SERVICE_TOKEN_TTL seconds) naming the same caller; services accept nothing else, so a token sent to a
service directly, or captured on the way, is worthless within seconds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from servicekit.auth import Identity, bearer_token, issue_token, verify_session_token
from servicekit.config import Settings
from servicekit.problems import Problem
from servicekit.webapp import service_context

from gateway.service_layer import api_keys

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


@dataclass(frozen=True)
class Admission:
    """A caller let in: who, the Authorization header to send services, and the bucket its requests count in."""

    identity: Identity
    upstream_authorization: str
    rate_limit_key: str


class Door:
    """The gateway's authentication: `admit` for any request's credentials, and the authenticate function of
    servicekit.webapp.create_service_app (calling it, the Flask request's identity)."""

    def __init__(self, settings: Settings) -> None:
        self.secret = settings.auth_secret
        self.service_tokens = ServiceTokens(settings.auth_secret)

    def admit(self, app: Flask, authorization: str | None, api_key: str | None) -> Admission:
        """The caller named by an `Authorization` header or an `X-API-Key` header; Problem(401) when none is."""
        state = app.extensions["gateway"]
        ttl = state.config.service_token_ttl
        token = bearer_token(authorization)
        if token is not None:
            identity, version = verify_session_token(self.secret, token)
            if not state.standing.stands(service_context(app).sessions, identity.subject, version):
                raise Problem(401, "Unauthorized", NO_LONGER_STANDS)
            return Admission(identity, self.service_tokens.header(identity, ttl), f"user:{identity.subject}")
        key = (api_key or "").strip()
        if not key:
            raise Problem(401, "Unauthorized", "Send 'Authorization: Bearer <token>' or 'X-API-Key: <key>'.")
        found = api_keys.identify_api_key(service_context(app).sessions, key)
        if found is None:
            raise Problem(401, "Unauthorized", "The API key is not valid or has been revoked.")
        identity = Identity(subject=key_subject(found.id), role=found.role, kind="api_key", stores=found.stores)
        return Admission(identity, self.service_tokens.header(identity, ttl), f"api_key:{found.id}")

    def __call__(self) -> Identity:
        environ = request.environ
        admitted = self.admit(current_app, environ.get("HTTP_AUTHORIZATION"), environ.get("HTTP_X_API_KEY"))
        g.upstream_authorization = admitted.upstream_authorization
        g.rate_limit_key = admitted.rate_limit_key
        return admitted.identity


def authenticator(settings: Settings) -> Door:
    """The gateway's authenticate function for servicekit.webapp.create_service_app (a Door, whose `admit` the
    fast path of reads shares)."""
    return Door(settings)
