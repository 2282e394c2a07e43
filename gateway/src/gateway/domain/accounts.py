"""Who may come in: users with passwords and API keys for other systems. Plain Python, no framework."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

MIN_PASSWORD_LENGTH = 8
#: argon2 hashes whatever it is given; a bound keeps one request from costing a lot of CPU.
MAX_PASSWORD_LENGTH = 256
#: Letters in any script (Chinese names included), digits and . _ @ - ; they appear in URL paths.
USERNAME = re.compile(r"^[\w.@-]{1,64}$")
API_KEY_PREFIX = "gx"
API_KEY = re.compile(r"^gx_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
#: A store id as the customer service names stores (it appears in URL paths).
STORE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_STORES_PER_USER = 50


class AccountError(Exception):
    """A rule about users or API keys was broken."""


class DuplicateUser(AccountError):
    """The username is already taken."""


class UnknownUser(AccountError):
    """No user has that username."""


class UnknownApiKey(AccountError):
    """No API key has that id."""


class LastAdmin(AccountError):
    """The change would leave nobody able to administer the gateway."""


@dataclass(frozen=True)
class User:
    """A person who logs in with a username and password."""

    username: str
    role: str
    active: bool
    password_hash: str
    created_at: datetime
    updated_at: datetime
    #: The stores (门店) the user works for, and so the only ones whose data they see; empty: every store.
    stores: tuple[str, ...] = ()
    #: Carried by the user's session tokens; a token of an older version no longer stands.
    token_version: int = 0


@dataclass(frozen=True)
class ApiKey:
    """A long-lived credential of another system; only a hash of its secret is kept."""

    id: str
    name: str
    role: str
    secret_hash: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    #: The stores whose data the key's system sees; empty: every store.
    stores: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """True until the key is revoked."""
        return self.revoked_at is None


def new_api_key() -> tuple[str, str]:
    """A fresh (key id, full key): `gx_<16 hex id>_<43 url-safe chars, 256 bits of secret>`."""
    key_id = secrets.token_hex(8)
    return key_id, f"{API_KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def hash_api_key(key: str) -> str:
    """SHA-256 of the full key: enough for a random 256-bit secret (argon2 per request would be slow)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_id(key: str) -> str | None:
    """The id part of a well-formed key, or None."""
    match = API_KEY.match(key)
    return match.group(1) if match else None


def key_matches(key: str, stored: ApiKey) -> bool:
    """True when `key` is the secret of `stored` (constant-time comparison)."""
    return hmac.compare_digest(hash_api_key(key), stored.secret_hash)


def check_username(username: str) -> None:
    """Raise ValueError unless `username` is acceptable."""
    if not USERNAME.match(username):
        raise ValueError("Use 1 to 64 letters, digits, '.', '_', '@' or '-'.")


def check_password(password: str) -> None:
    """Raise ValueError unless `password` is long enough and not absurdly long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"Use at most {MAX_PASSWORD_LENGTH} characters.")


def outdates_tokens(before: User, after: User, password_changed: bool) -> bool:
    """True when going from `before` to `after` changes what the user's session tokens stand for."""
    return password_changed or (before.active, before.role, before.stores) != (after.active, after.role, after.stores)


def normalise_stores(stores: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The store ids of a user, each once, sorted."""
    return tuple(sorted(set(stores)))


def leaves_an_admin(user: User, new_role: str, new_active: bool, active_admins: int) -> bool:
    """False when changing `user` this way would leave no active admin."""
    was_admin = user.role == "admin" and user.active
    stays_admin = new_role == "admin" and new_active
    return not was_admin or stays_admin or active_admins > 1
