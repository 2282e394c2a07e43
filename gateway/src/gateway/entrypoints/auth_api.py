"""POST /api/v1/auth/token: a username and password for a session token; GET /api/v1/auth/me: who is calling."""
from __future__ import annotations

import math

from flask import Response, current_app
from flask_smorest import Blueprint
from servicekit.auth import SESSION_AUDIENCE, Identity, current_identity, issue_token, requires
from servicekit.problems import Problem, problem_response
from servicekit.webapp import service_context

from gateway.domain.accounts import UnknownUser
from gateway.entrypoints.limits import client_address
from gateway.entrypoints.schemas import CallerSchema, LoginSchema, TokenSchema
from gateway.service_layer import accounts, login_guard

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in.")
PUBLIC_PATHS = frozenset({"/api/v1/auth/token"})


def _held_back(wait: float) -> Response:
    seconds = max(1, math.ceil(wait))
    response = problem_response(429, "Too Many Requests", "Too many failed logins for this username from this "
                                f"address, or from this address; retry in {seconds} s.", retry_after=seconds)
    response.headers["Retry-After"] = str(seconds)
    return response


@blp.route("/token", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.doc(security=[])
def issue(credentials: dict) -> dict | Response:
    """Exchange a username and password for a session token (good at the gateway only, while the user's
    active flag, role, stores and password stay as they are). Failed logins are counted: too many for a
    username from one address, for a username from several, or from one address, are answered 429."""
    context = service_context(current_app)
    policy = current_app.extensions["gateway"].config.login_policy
    username, address = credentials["username"], client_address()
    wait = login_guard.wait_before_login(context.sessions, policy, username, address)
    if wait > 0:
        return _held_back(wait)  # before the password is even looked at: guessing gets no answer
    user = accounts.login(context.sessions, username, credentials["password"])
    if user is None:
        login_guard.login_failed(context.sessions, policy, username, address)
        # One answer for unknown user, wrong password and deactivated user: nothing to learn by guessing.
        raise Problem(401, "Unauthorized", "The username or password is wrong, or the user is deactivated.")
    login_guard.login_succeeded(context.sessions, policy, username, address)
    ttl = context.settings.token_ttl_seconds
    identity = Identity(subject=user.username, role=user.role, stores=user.stores)
    token = issue_token(context.settings.auth_secret, identity, ttl, audience=SESSION_AUDIENCE,
                        version=user.token_version)
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}


@blp.route("/me", methods=["GET"])
@requires("read")
@blp.response(200, CallerSchema)
def me() -> dict:
    """The caller: a user (their display name, role and stores) or an API key. A session that no longer stands
    is a 401 here as everywhere, so a client may ask this to learn whether its token still stands."""
    identity = current_identity()
    caller = {"username": identity.subject, "kind": identity.kind, "role": identity.role,
              "stores": list(identity.stores), "display_name": None}
    if identity.kind == "user":
        try:
            caller["display_name"] = accounts.get_user(service_context(current_app).sessions,
                                                       identity.subject).display_name
        except UnknownUser:
            raise Problem(401, "Unauthorized", "The user no longer exists: log in again.") from None
    return caller
