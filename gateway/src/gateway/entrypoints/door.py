"""Authentication at the door: a session token or an API key in, a short-lived service token out.

A session token (issued at login, audience the gateway) passes only while it still stands: its user active and
its token version the user's current one, so deactivation, a new role, new stores or a new password end it
within a second. For every request it lets in, the gateway mints a service token (audience the services,
CRM_SERVICE_TOKEN_TTL seconds) naming the same caller; services accept nothing else, so a token sent to a
service directly, or captured on the way, is worthless within seconds.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request
from servicekit.auth import Identity, bearer_token, issue_token, verify_session_token
from servicekit.config import Settings
from servicekit.problems import Problem
from servicekit.webapp import service_context

from gateway.service import accounts

NO_LONGER_STANDS = ("The token no longer stands (the user was deactivated, or their role, stores or password "
                    "changed): log in again.")


def key_subject(key_id: str) -> str:
    """The caller an API key acts as: `key:<id>`, in a namespace of its own.

    Not the key's name: that is a free-text label, which two keys may share and which may equal a username,
    and services keep idempotency keys and history under the caller. Usernames hold no ':', so no user is
    ever `key:…`; the id is unique and never changes, and GET /api/v1/api-keys tells its name.
    """
    return f"key:{key_id}"


def authenticator(settings: Settings) -> Callable[[], Identity]:
    """The gateway's authenticate function for servicekit.webapp.create_service_app."""

    def mint(identity: Identity) -> None:
        ttl = current_app.extensions["gateway"].config.service_token_ttl
        g.upstream_authorization = "Bearer " + issue_token(settings.auth_secret, identity, ttl)

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
