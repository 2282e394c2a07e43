"""What the gateway's own endpoints read and write."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates, validates_schema
from servicekit.auth import ROLES
from servicekit.fields import Instant
from servicekit.labels import Label

from gateway.domain.accounts import MAX_STORES_PER_USER, STORE_ID, USERNAME
from gateway.domain.password_rules import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    contains_username,
    is_common_password,
)
from gateway.domain.saved_views import MAX_QUERY_LENGTH, SCREENS

_role = validate.OneOf(ROLES, error="Must be one of: {choices}.")


def _not_common(password: str) -> None:
    if is_common_password(password):
        raise ValidationError("This is one of the most common passwords; choose another.")


_password: list[Callable[[Any], Any]] = [validate.Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH), _not_common]
_username = validate.Regexp(USERNAME, error="Use 1 to 64 letters, digits, '.', '_', '@' or '-'.")


def _stores(**kwargs) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Regexp(STORE_ID, error="A store id: up to 40 of a-z, 0-9, '_' and '-'.")),
        validate=validate.Length(max=MAX_STORES_PER_USER),
        metadata={"description": "Ids of the stores (门店) the user or key works for: it sees those stores' data only. "
                                 "Empty: the whole dealer group (admins always see everything)."},
        **kwargs)


#: A phone number as people write it: digits, an optional leading +, spaces, dashes and brackets.
_PHONE = validate.Regexp(r"^\+?[0-9][0-9 ()-]{4,38}$", error="A phone number: digits, '+', spaces, '-' or brackets.")
_OPENID = validate.Regexp(r"^[A-Za-z0-9_-]{1,128}$", error="A WeChat openid: up to 128 of A-Z, a-z, 0-9, '_', '-'.")


class ContactsSchema(Schema):
    """Where staff notifications reach the user (each null when unknown)."""

    phone = fields.String(allow_none=True, validate=_PHONE)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    wechat_openid = fields.String(allow_none=True, validate=_OPENID,
                                  metadata={"description": "The user's openid with the dealer's official account."})


def _display_name(**kwargs) -> fields.String:
    return Label(100, allow_none=True, metadata={"description": "The name colleagues know the user by (e.g. 李雷)."},
                 **kwargs)


class LoginSchema(Schema):
    """Credentials exchanged for a bearer token."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD_LENGTH),
                             load_only=True)


class TokenSchema(Schema):
    """A bearer token and how long it lives."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class UserCreateSchema(Schema):
    """A new user (the password: at least 10 characters, not a common one, not holding the username)."""

    username = fields.String(required=True, validate=_username)
    password = fields.String(required=True, validate=_password, load_only=True)
    role = fields.String(required=True, validate=_role)
    stores = _stores(load_default=list)
    display_name = _display_name()
    contacts = fields.Nested(ContactsSchema)

    @validates_schema
    def _password_without_username(self, data: dict, **_kwargs) -> None:
        if contains_username(data["password"], data["username"]):
            raise ValidationError("Do not put the username in the password.", "password")


class UserUpdateSchema(Schema):
    """The changeable parts of a user; absent fields stay as they are (a new password as on creation)."""

    role = fields.String(validate=_role)
    password = fields.String(validate=_password, load_only=True)
    active = fields.Boolean()
    stores = _stores()
    display_name = _display_name()
    contacts = fields.Nested(ContactsSchema,
                             metadata={"description": "Only the contacts named change; null clears one."})


class CallerSchema(Schema):
    """Who is calling: a user or an API key (`key:<id>`), with the role and stores the token carries."""

    username = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["user", "api_key"]})
    display_name = fields.String(allow_none=True, required=True)
    role = fields.String(required=True)
    stores = fields.List(fields.String(), required=True, metadata={"description": "None: the whole dealer group."})


class UserSchema(Schema):
    """A user (never the password hash). Admins see every field; those who assign work see username,
    display_name, role, stores and active."""

    username = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)
    stores = fields.List(fields.String(), required=True)
    contacts = fields.Nested(ContactsSchema, metadata={"description": "Admins only."})
    version = fields.Integer(metadata={"description": "Admins only: bumped on every change the services see."})
    created_at = Instant(metadata={"description": "Admins only."})
    updated_at = Instant(metadata={"description": "Admins only."})


class UserQuerySchema(Schema):
    """Which users to list."""

    store = fields.String(validate=validate.Regexp(STORE_ID, error="A store id: up to 40 of a-z, 0-9, '_' and '-'."),
                          metadata={"description": "Only the users who may be given work of this store: those tied "
                                                   "to it, group-wide users and admins (active users only)."})


class ApiKeyCreateSchema(Schema):
    """A new API key for another system."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(load_default="integration", validate=_role)
    stores = _stores(load_default=list)


class ApiKeySchema(Schema):
    """An API key as listed: everything but its secret."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_at = Instant(required=True)
    created_by = fields.String(required=True)
    revoked_at = Instant(allow_none=True)
    stores = fields.List(fields.String(), required=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    """A new API key, with its secret: shown this once, never again."""

    key = fields.String(required=True, metadata={"description": "Send it as the X-API-Key header."})


_screen = validate.OneOf(SCREENS, error="Must be one of: {choices}.")
_store_id = validate.Regexp(STORE_ID, error="A store id: up to 40 of a-z, 0-9, '_' and '-'.")


class SavedViewCreateSchema(Schema):
    """A list's filter to keep under a name, for oneself or shared with a store."""

    name = Label(100, required=True, metadata={"description": "What the view is called (e.g. 本周超时投诉)."})
    screen = fields.String(required=True, validate=_screen, metadata={"description": "The list it filters."})
    query = fields.String(load_default="", validate=validate.Length(max=MAX_QUERY_LENGTH), metadata={
        "description": "The list's query string, e.g. status=filed&department=sales (a leading '?' is dropped)."})
    shared = fields.Boolean(load_default=False,
                            metadata={"description": "Seen by the people of `store_id` too, not only its owner."})
    store_id = fields.String(validate=_store_id, metadata={
        "description": "The store a shared view is shared with, one of the caller's. Left out: the caller's only "
                       "store, or for a caller of the whole group the whole group."})

    @pre_load
    def _without_question_mark(self, data, **_kwargs):
        if isinstance(data, dict) and isinstance(data.get("query"), str):
            data = {**data, "query": data["query"].strip().removeprefix("?")}
        return data

    @validates("query")
    def _a_query_string(self, value: str, **_kwargs) -> None:
        try:
            parse_qsl(value, strict_parsing=True)
        except ValueError:
            if value:
                raise ValidationError("A query string: name=value pairs joined by '&'.") from None
        if any(char in value for char in " \t\r\n#"):
            raise ValidationError("A query string as a URL carries it: no spaces, line breaks or '#'.")


class SavedViewQuerySchema(Schema):
    """Which saved views to list."""

    screen = fields.String(validate=_screen, metadata={"description": "Only the views of this list."})


class SavedViewSchema(Schema):
    """A saved view, and whether the caller may delete it."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    screen = fields.String(required=True)
    query = fields.String(required=True)
    owner = fields.String(required=True)
    shared = fields.Boolean(required=True)
    store_id = fields.String(allow_none=True, required=True,
                             metadata={"description": "The store it is shared with; null: the whole group, or not "
                                                      "shared."})
    created_at = Instant(required=True)
    deletable = fields.Boolean(required=True, metadata={"description": "The caller may delete it (its owner, or a "
                                                                       "manager of the store it is shared with)."})
