"""Who is calling and what they may do: bearer tokens signed by the gateway, checked in every service.

A service reached directly is not an open door: it verifies the token itself and enforces roles.
"""
from __future__ import annotations

import copy
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import jwt
from flask import g
from sqlalchemy import ColumnElement, true

from servicekit.problems import Problem

ROLES = ("admin", "manager", "agent", "viewer", "integration")

#: What each permission level allows; views declare the level they need.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "write": frozenset({"admin", "manager", "agent", "integration"}),
    "manage": frozenset({"admin", "manager"}),
    "admin": frozenset({"admin"}),
}
#: OpenAPI extensions naming, on every operation a view declares with `requires`, the permission it needs
#: and the roles that hold it: clients and tests read who may call what from the document itself.
PERMISSION_EXTENSION = "x-permission"
ROLES_EXTENSION = "x-roles"
ALGORITHM = "HS256"
ISSUER = "guanxi-gateway"


@dataclass(frozen=True)
class Identity:
    """The authenticated caller."""

    subject: str
    role: str
    kind: str = "user"  # "user" or "api_key"
    #: The stores (门店) the caller works for; none means the whole dealer group.
    stores: tuple[str, ...] = ()

    def may(self, permission: str) -> bool:
        """True when this caller's role grants `permission`."""
        return self.role in PERMISSIONS[permission]

    @property
    def store_scope(self) -> frozenset[str] | None:
        """The stores whose data the caller may see, or None for every store.

        Admins and everyone not tied to a store (the group's managers, integrations) see all; a caller
        tied to stores sees the records of those stores only.
        """
        if self.role == "admin" or not self.stores:
            return None
        return frozenset(self.stores)

    def may_see_store(self, store_id: str | None) -> bool:
        """True when a record of `store_id` (None: of no store) is within the caller's stores."""
        scope = self.store_scope
        return scope is None or store_id in scope


def issue_token(secret: str, identity: Identity, ttl_seconds: int) -> str:
    """Sign a bearer token for `identity`, valid for `ttl_seconds`."""
    now = int(time.time())
    claims = {"sub": identity.subject, "role": identity.role, "kind": identity.kind,
              "iss": ISSUER, "iat": now, "exp": now + ttl_seconds}
    if identity.stores:
        claims["stores"] = list(identity.stores)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Identity:
    """Check a bearer token's signature and expiry; raise Problem(401) when it is not good."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["sub", "role", "exp"]})
    except jwt.ExpiredSignatureError:
        raise Problem(401, "Unauthorized", "The bearer token has expired.") from None
    except jwt.PyJWTError:
        raise Problem(401, "Unauthorized", "The bearer token is not valid.") from None
    if claims["role"] not in ROLES:
        raise Problem(401, "Unauthorized", "The bearer token names an unknown role.")
    stores = claims.get("stores", [])
    if not isinstance(stores, list) or not all(isinstance(store, str) for store in stores):
        raise Problem(401, "Unauthorized", "The bearer token's stores are not a list of store ids.")
    return Identity(subject=claims["sub"], role=claims["role"], kind=claims.get("kind", "user"),
                    stores=tuple(stores))


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Unauthorized", "Use 'Authorization: Bearer <token>'.")
    return token.strip()


def current_identity() -> Identity:
    """The caller of the current request (authentication already enforced)."""
    identity = g.get("identity")
    if identity is None:
        raise Problem(401, "Unauthorized", "Authentication is required.")
    return identity


def store_condition(column: ColumnElement, identity: Identity | None = None) -> ColumnElement[bool]:
    """A WHERE condition limiting rows to the caller's stores (`column` holds a row's store id).

    Always true for a caller who sees every store; otherwise rows of no store are out of scope too.
    """
    scope = (identity or current_identity()).store_scope
    return true() if scope is None else column.in_(sorted(scope))


def require_store(store_id: str | None, identity: Identity | None = None) -> None:
    """Raise Problem(403) unless the caller may work on records of `store_id`."""
    identity = identity or current_identity()
    if not identity.may_see_store(store_id):
        raise Problem(403, "Forbidden", f"You work for the stores {', '.join(sorted(identity.stores))}; "
                      f"{'records of no store' if store_id is None else f'store {store_id}'} are out of reach.")


F = TypeVar("F", bound=Callable)


def roles_with(permission: str) -> list[str]:
    """The roles granting `permission`, in the order of ROLES."""
    return [role for role in ROLES if role in PERMISSIONS[permission]]


def requires(permission: str) -> Callable[[F], F]:
    """Decorate a view so only roles granting `permission` may call it (403 otherwise).

    The permission and its roles are written into the view's OpenAPI operation (`x-permission`,
    `x-roles`) the way flask-smorest's own decorators document a view: through its `_apidoc`.
    The role is checked before the body is read, so place it above `@blp.arguments`.
    """
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            identity = current_identity()
            if not identity.may(permission):
                raise Problem(403, "Forbidden", f"The role '{identity.role}' may not do this "
                              f"(needs one of: {', '.join(sorted(PERMISSIONS[permission]))}).")
            return view(*args, **kwargs)

        # functools.wraps shared the view's _apidoc dict with the wrapper: copy it before adding to it.
        wrapper._apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))  # type: ignore[attr-defined]
        manual = wrapper._apidoc.setdefault("manual_doc", {})  # type: ignore[attr-defined]
        manual.update({PERMISSION_EXTENSION: permission, ROLES_EXTENSION: roles_with(permission)})
        return wrapper  # type: ignore[return-value]
    return decorate
