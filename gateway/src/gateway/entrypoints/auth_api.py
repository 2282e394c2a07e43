"""POST /api/v1/auth/token: a username and password for a bearer token."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from servicekit.auth import SESSION_AUDIENCE, Identity, issue_token
from servicekit.problems import Problem
from servicekit.webapp import service_context

from gateway.entrypoints.schemas import LoginSchema, TokenSchema
from gateway.service import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in.")
PUBLIC_PATHS = frozenset({"/api/v1/auth/token"})


@blp.route("/token", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.doc(security=[])
def issue(credentials: dict) -> dict:
    """Exchange a username and password for a session token (good at the gateway only, while the user's
    active flag, role, stores and password stay as they are)."""
    context = service_context(current_app)
    user = accounts.login(context.sessions, credentials["username"], credentials["password"])
    if user is None:
        # One answer for unknown user, wrong password and deactivated user: nothing to learn by guessing.
        raise Problem(401, "Unauthorized", "The username or password is wrong, or the user is deactivated.")
    ttl = context.settings.token_ttl_seconds
    identity = Identity(subject=user.username, role=user.role, stores=user.stores)
    token = issue_token(context.settings.auth_secret, identity, ttl, audience=SESSION_AUDIENCE,
                        version=user.token_version)
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}
