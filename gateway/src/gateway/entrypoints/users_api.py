"""Admin-only user management: /api/v1/users."""
from __future__ import annotations

from flask import current_app
from servicekit.auth import requires
from servicekit.pagination import Blueprint
from servicekit.problems import Problem
from servicekit.webapp import service_context

from gateway.domain.accounts import DuplicateUser, LastAdmin, UnknownUser, WeakPassword, check_password
from gateway.entrypoints.schemas import UserCreateSchema, UserSchema, UserUpdateSchema
from gateway.entrypoints.stores import check_stores
from gateway.service import accounts

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users and their roles (admin only).")


def _sessions():
    return service_context(current_app).sessions


def _check_password(password: str | None, username: str) -> None:
    """A 422 naming the password when it is not acceptable for `username`."""
    try:
        if password is not None:
            check_password(password, username)
    except WeakPassword as exc:
        raise Problem(422, "Unprocessable Content", "The request body has invalid fields: password",
                      errors={"password": exc.problems}) from None


def _unknown(username: str) -> Problem:
    return Problem(404, "Not Found", f"There is no user '{username}'.")


@blp.route("", methods=["POST"])
@requires("admin")
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@blp.alt_response(409, response="CONFLICT")
def create(body: dict):
    """Add a user (the stores named must exist in the customer service)."""
    check_stores(body.get("stores", ()))
    try:
        return accounts.create_user(_sessions(), body["username"], body["password"], body["role"],
                                    body.get("stores", ()))
    except DuplicateUser:
        raise Problem(409, "Conflict", f"The username '{body['username']}' is taken.") from None


@blp.route("", methods=["GET"])
@requires("admin")
@blp.response(200, UserSchema(many=True))
@blp.paginate()
def index(pagination_parameters):
    """List users by username, a page at a time."""
    users, total = accounts.list_users(_sessions(), pagination_parameters.first_item,
                                       pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return users


@blp.route("/<username>", methods=["GET"])
@requires("admin")
@blp.response(200, UserSchema)
def show(username: str):
    """One user."""
    try:
        return accounts.get_user(_sessions(), username)
    except UnknownUser:
        raise _unknown(username) from None


@blp.route("/<username>", methods=["PATCH"])
@requires("admin")
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
@blp.alt_response(409, response="CONFLICT")
def change(body: dict, username: str):
    """Change a user's role, password, active flag or stores (which must exist in the customer service)."""
    _check_password(body.get("password"), username)
    check_stores(body.get("stores") or ())
    try:
        changed = accounts.update_user(_sessions(), username, **body)
    except UnknownUser:
        raise _unknown(username) from None
    except LastAdmin:
        raise Problem(409, "Conflict", f"'{username}' is the last active admin; make another admin first.") \
            from None
    current_app.extensions["gateway"].standing.forget(username)  # this process knows at once, the others soon
    return changed
