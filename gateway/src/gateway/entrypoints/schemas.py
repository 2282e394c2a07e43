"""What the gateway's own endpoints read and write."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from servicekit.auth import ROLES
from servicekit.fields import Instant
from servicekit.labels import Label

from gateway.domain.accounts import (
    MAX_PASSWORD_LENGTH,
    MAX_STORES_PER_USER,
    MIN_PASSWORD_LENGTH,
    STORE_ID,
    USERNAME,
    contains_username,
    is_common_password,
)

_role = validate.OneOf(ROLES, error="Must be one of: {choices}.")


def _not_common(password: str) -> None:
    if is_common_password(password):
        raise ValidationError("This is one of the most common passwords; choose another.")


_password = [validate.Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH), _not_common]
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
