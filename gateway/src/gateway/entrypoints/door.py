"""Authentication at the door: a bearer token passes as is, an API key is exchanged for a bearer token.

Services only ever see bearer tokens; they verify them and enforce roles themselves.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request
from servicekit.auth import Identity, issue_token
from servicekit.config import Settings
from servicekit.problems import Problem
from servicekit.webapp import bearer_identity, service_context

from gateway.service import accounts

#: Lifetime of the token minted for one API-key request: it only has to reach the service.
API_KEY_TOKEN_TTL = 120


def authenticator(settings: Settings) -> Callable[[], Identity]:
    """The gateway's authenticate function for servicekit.webapp.create_service_app."""

    def authenticate() -> Identity:
        if request.headers.get("Authorization"):
            identity = bearer_identity(settings.auth_secret)
            g.upstream_authorization = request.headers["Authorization"]
            g.rate_limit_key = f"{identity.kind}:{identity.subject}"
            return identity
        key = request.headers.get("X-API-Key", "").strip()
        if not key:
            raise Problem(401, "Unauthorized", "Send 'Authorization: Bearer <token>' or 'X-API-Key: <key>'.")
        api_key = accounts.identify_api_key(service_context(current_app).sessions, key)
        if api_key is None:
            raise Problem(401, "Unauthorized", "The API key is not valid or has been revoked.")
        identity = Identity(subject=api_key.name, role=api_key.role, kind="api_key", stores=api_key.stores)
        g.upstream_authorization = "Bearer " + issue_token(settings.auth_secret, identity, API_KEY_TOKEN_TTL)
        g.rate_limit_key = f"api_key:{api_key.id}"
        return identity

    return authenticate
