"""Who is calling and what they may do: bearer tokens signed by the gateway, checked in every service.

A service reached directly is not an open door: it verifies the token itself and enforces roles.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import jwt
from flask import g

from servicekit.problems import Problem

ROLES = ("admin", "manager", "agent", "viewer", "integration")

#: What each permission level allows; views declare the level they need.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "write": frozenset({"admin", "manager", "agent", "integration"}),
    "manage": frozenset({"admin", "manager"}),
    "admin": frozenset({"admin"}),
}
ALGORITHM = "HS256"
ISSUER = "guanxi-gateway"


@dataclass(frozen=True)
class Identity:
    """The authenticated caller."""

    subject: str
    role: str
    kind: str = "user"  # "user" or "api_key"

    def may(self, permission: str) -> bool:
        """True when this caller's role grants `permission`."""
        return self.role in PERMISSIONS[permission]


def issue_token(secret: str, identity: Identity, ttl_seconds: int) -> str:
    """Sign a bearer token for `identity`, valid for `ttl_seconds`."""
    now = int(time.time())
    claims = {"sub": identity.subject, "role": identity.role, "kind": identity.kind,
              "iss": ISSUER, "iat": now, "exp": now + ttl_seconds}
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
    return Identity(subject=claims["sub"], role=claims["role"], kind=claims.get("kind", "user"))


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


F = TypeVar("F", bound=Callable)


def requires(permission: str) -> Callable[[F], F]:
    """Decorate a view so only roles granting `permission` may call it (403 otherwise)."""
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
        return wrapper  # type: ignore[return-value]
    return decorate
