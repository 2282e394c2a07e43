"""Who is signed in, and what their role lets them do: the pages show only the actions a person may take
(the API refuses the rest all the same, and its 403 is shown if one is reached)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
from flask import session
from servicekit.auth import PERMISSIONS


@dataclass(frozen=True)
class Person:
    """The signed-in person, as their session token names them."""

    username: str
    role: str
    stores: tuple[str, ...]
    #: The name colleagues know them by (李四), when the gateway has one.
    display_name: str | None = None

    def can(self, permission: str) -> bool:
        """Whether the role grants `permission` ("read", "write", "manage", "admin")."""
        return self.role in PERMISSIONS[permission]

    @property
    def manager(self) -> bool:
        return self.can("manage")


def live_claims(token: str | None, now: float | None = None) -> dict | None:
    """A session token's claims, or None when there is no token, it cannot be read or it is past its expiry. Its
    signature is the gateway's to check (on every API call); the console reads the claims only to know what to
    show and whether the token is still worth sending."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_aud": False})
    except jwt.PyJWTError:
        return None
    expires = claims.get("exp")
    if isinstance(expires, int | float) and expires <= (time.time() if now is None else now):
        return None
    return claims


def person_of(token: str) -> Person:
    """The person a session token names. Its signature is the gateway's to check (on every API call); the
    console reads the claims only to know what to show."""
    claims = jwt.decode(token, options={"verify_signature": False, "verify_aud": False})
    return Person(claims["sub"], claims["role"], tuple(claims.get("stores") or ()))


def current_person() -> Person | None:
    """The signed-in person of the current request, or None."""
    token = session.get("token")
    if not token:
        return None
    person = person_of(token)
    return Person(person.username, person.role, person.stores, session.get("display_name"))
