"""Who is calling and what they may do: bearer tokens signed by the gateway, checked in every service.

A service reached directly is not an open door: it verifies the token itself and enforces roles. It accepts
only the service tokens the gateway mints per request (seconds long), never a user's session token, so a token
outlives neither the request it was minted for nor the user's rights (the gateway checks those per request).
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
#: Session tokens, issued at login, are good at the gateway only: it checks them against the user as they are now.
SESSION_AUDIENCE = "guanxi-gateway"
#: Service tokens, minted by the gateway for each request it passes on (seconds long), are good at the services only.
SERVICE_AUDIENCE = "guanxi-services"
#: Seconds of clock difference forgiven on a token's times: between the gateway and a service, or two replicas of
#: the gateway (a token issued by one and checked by another must not look issued in the future).
LEEWAY_SECONDS = 2
WRONG_AUDIENCE = {
    SERVICE_AUDIENCE: "The bearer token is not meant for this service: services accept only the short-lived "
                      "tokens the gateway passes on. Send the request through the gateway.",
    SESSION_AUDIENCE: "The bearer token is not a session token: log in at /api/v1/auth/token.",
}


@dataclass(frozen=True)
class Identity:
    """The authenticated caller."""

    #: A username, or `key:<id>` for an API key (usernames hold no ':', so the two never meet).
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


def issue_token(secret: str, identity: Identity, ttl_seconds: int, *, audience: str = SERVICE_AUDIENCE,
                version: int | None = None) -> str:
    """Sign a bearer token for `identity`, valid for `ttl_seconds`, meant for `audience`.

    The gateway issues session tokens (SESSION_AUDIENCE, carrying the user's token `version`) at login, and
    mints a service token (SERVICE_AUDIENCE) for every request it passes on.
    """
    now = int(time.time())
    claims = {"sub": identity.subject, "role": identity.role, "kind": identity.kind,
              "iss": ISSUER, "aud": audience, "iat": now, "exp": now + ttl_seconds}
    if identity.stores:
        claims["stores"] = list(identity.stores)
    if version is not None:
        claims["ver"] = version
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


#: Tokens already checked in this process: (secret, audience, token) -> claims. A token whose signature, issuer,
#: audience and claims were good once stays good until it expires, and a caller sends the same one again and
#: again (the gateway hands a service token out again for half its life); checking it costs about as much as
#: the rest of a request's authentication. Only expiry is checked again.
_checked: dict[tuple[str, str, str], dict] = {}
#: Forget every checked token past this many (they are only a saving).
MAX_CHECKED = 10_000


def _claims(secret: str, token: str, audience: str) -> dict:
    """The checked claims of a token meant for `audience`; raise Problem(401) when it is not good."""
    claims = _checked.get((secret, audience, token))
    if claims is None:
        claims = _check(secret, token, audience)
        if len(_checked) >= MAX_CHECKED:
            _checked.clear()
        _checked[(secret, audience, token)] = claims
    elif claims["exp"] + LEEWAY_SECONDS < time.time():
        raise Problem(401, "Unauthorized", "The bearer token has expired.")
    return claims


def _check(secret: str, token: str, audience: str) -> dict:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER, audience=audience,
                            leeway=LEEWAY_SECONDS, options={"require": ["sub", "role", "exp", "aud"]})
    except jwt.ExpiredSignatureError:
        raise Problem(401, "Unauthorized", "The bearer token has expired.") from None
    except jwt.InvalidAudienceError:
        raise Problem(401, "Unauthorized", WRONG_AUDIENCE[audience]) from None
    except jwt.MissingRequiredClaimError as exc:
        detail = WRONG_AUDIENCE[audience] if exc.claim == "aud" else "The bearer token is not valid."
        raise Problem(401, "Unauthorized", detail) from None
    except jwt.PyJWTError:
        raise Problem(401, "Unauthorized", "The bearer token is not valid.") from None
    if claims["role"] not in ROLES:
        raise Problem(401, "Unauthorized", "The bearer token names an unknown role.")
    stores = claims.get("stores", [])
    if not isinstance(stores, list) or not all(isinstance(store, str) for store in stores):
        raise Problem(401, "Unauthorized", "The bearer token's stores are not a list of store ids.")
    return claims


def _identity(claims: dict) -> Identity:
    return Identity(subject=claims["sub"], role=claims["role"], kind=claims.get("kind", "user"),
                    stores=tuple(claims.get("stores", [])))


def verify_token(secret: str, token: str) -> Identity:
    """Check a service token's signature, audience and expiry; raise Problem(401) when it is not good."""
    return _identity(_claims(secret, token, SERVICE_AUDIENCE))


def verify_session_token(secret: str, token: str) -> tuple[Identity, int]:
    """Check a session token as verify_token checks a service token; its caller and token version.

    Whether that version is still the user's is for the gateway, which keeps the users, to say.
    """
    claims = _claims(secret, token, SESSION_AUDIENCE)
    version = claims.get("ver")
    if not isinstance(version, int) or isinstance(version, bool):
        raise Problem(401, "Unauthorized", "The bearer token carries no token version; log in again.")
    return _identity(claims), version


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


def requires_group_wide(view: F) -> F:
    """Decorate a view that changes a setting of the whole dealer group (reminder rules, SLA policies …).

    Only managers of no store and admins may: a manager tied to stores manages those stores' records, not
    rules every other store lives by (403 naming why). Use it under `requires("manage")`.
    """
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        identity = current_identity()
        if identity.role != "admin" and identity.stores:
            raise Problem(403, "Forbidden", "This setting applies to every store of the dealer group; only admins "
                          f"and managers of no store may change it (you work for the stores "
                          f"{', '.join(sorted(identity.stores))}).")
        return view(*args, **kwargs)
    return wrapper  # type: ignore[return-value]
