"""User management (admins) and the list of users work may be assigned to (those who assign): /api/v1/users."""
from __future__ import annotations

from flask import current_app
from servicekit.auth import current_identity, require_store, requires
from servicekit.pagination import Blueprint
from servicekit.problems import Problem
from servicekit.webapp import service_context

from gateway.domain.accounts import DuplicateUser, LastAdmin, UnknownUser
from gateway.domain.password_rules import WeakPassword, check_password
from gateway.entrypoints.schemas import UserCreateSchema, UserQuerySchema, UserSchema, UserUpdateSchema
from gateway.entrypoints.stores import check_stores
from gateway.service_layer import accounts

blp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                description="Users and their roles (admins), and the users work may be assigned to (all who assign).")
#: What those who assign work (not admins) see of a user.
ASSIGNABLE_FIELDS = ("username", "display_name", "role", "stores", "active")


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
                                    body.get("stores", ()), body.get("display_name"), body.get("contacts"))
    except DuplicateUser:
        raise Problem(409, "Conflict", f"The username '{body['username']}' is taken.") from None


@blp.route("", methods=["GET"])
@requires("write")
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserSchema(many=True))
@blp.paginate()
def index(args: dict, pagination_parameters):
    """List users by username, a page at a time.

    Admins see every user with every field. Everyone else who assigns work (managers, agents, integrations)
    sees the active users work of their stores may be given — those tied to one of their stores, group-wide
    users and admins; everyone for a caller tied to no store — with username, display_name, role, stores and
    active only. `store` narrows the list to the users who may work in that store (one of the caller's).
    """
    identity = current_identity()
    offset, limit = pagination_parameters.first_item, pagination_parameters.page_size
    if "store" in args:
        require_store(args["store"], identity)
        stores: frozenset[str] | None = frozenset({args["store"]})
    else:
        stores = identity.store_scope
    if identity.role == "admin" and "store" not in args:
        users, total = accounts.list_users(_sessions(), offset, limit)
    else:
        users, total = accounts.assignable_users(_sessions(), stores, offset, limit)
    pagination_parameters.item_count = total
    if identity.role == "admin":
        return users
    return [{name: getattr(user, name) for name in ASSIGNABLE_FIELDS} for user in users]


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
