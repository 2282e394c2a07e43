"""Who may come in: users with passwords and API keys for other systems. Plain Python, no framework."""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

MIN_PASSWORD_LENGTH = 10
#: A username this long or longer may not appear inside its password.
MIN_USERNAME_INSIDE = 3
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


class WeakPassword(AccountError, ValueError):
    """The password is too short, too long, too common or holds the username."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


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
    #: The name colleagues know them by (e.g. 李雷), shown where a username would be.
    display_name: str | None = None
    #: Where staff notifications reach them: phone, email, wechat_openid (each None when unknown).
    contacts: dict[str, str | None] = field(default_factory=dict)
    #: Bumped on every change the services see (user events carry it: older versions change nothing there).
    version: int = 1

    def may_work_in_any(self, stores: frozenset[str] | None) -> bool:
        """True when the user may be given work of at least one of `stores` (None: any store at all)."""
        return stores is None or not self.stores or self.role == "admin" or bool(stores & set(self.stores))


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


def password_problems(password: str, username: str | None = None) -> list[str]:
    """What makes `password` unacceptable (for `username`, when known); empty when nothing does."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Use at most {MAX_PASSWORD_LENGTH} characters."]
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if username and contains_username(password, username):
        problems.append("Do not put the username in the password.")
    if is_common_password(password):
        problems.append("This is one of the most common passwords; choose another.")
    return problems


def contains_username(password: str, username: str) -> bool:
    """True when `password` is `username`, or holds it (usernames of three or more characters), case aside.

    A one- or two-character username (a name like 张伟) inside a password says little and would forbid far
    too much.
    """
    password, username = password.casefold(), username.casefold()
    return password == username or (len(username) >= MIN_USERNAME_INSIDE and username in password)


def is_common_password(password: str) -> bool:
    """True when `password` (case aside) is in zxcvbn's list of the 30,000 most common passwords."""
    return password.casefold() in _common_passwords()


@functools.cache
def _common_passwords() -> dict[str, int]:
    # zxcvbn ships the list ranked, as a dict; imported here so only password checks pay for loading it.
    from zxcvbn.matching import RANKED_DICTIONARIES

    return RANKED_DICTIONARIES["passwords"]


def check_password(password: str, username: str | None = None) -> None:
    """Raise WeakPassword unless `password` is acceptable for `username`."""
    problems = password_problems(password, username)
    if problems:
        raise WeakPassword(" ".join(problems), problems)


def outdates_tokens(before: User, after: User, password_changed: bool) -> bool:
    """True when going from `before` to `after` changes what the user's session tokens stand for."""
    return password_changed or (before.active, before.role, before.stores) != (after.active, after.role, after.stores)


#: The contacts a user may have, each None when unknown.
CONTACT_FIELDS = ("phone", "email", "wechat_openid")
#: The fields of a user the services keep a copy of (a change to any of them is published).
PUBLISHED_FIELDS = ("display_name", "role", "stores", "active", "contacts")


def normalise_contacts(contacts: dict[str, str | None] | None) -> dict[str, str | None]:
    """Every contact field, None where unknown or blank."""
    contacts = contacts or {}
    return {name: (contacts.get(name) or "").strip() or None for name in CONTACT_FIELDS}


def publishes_change(before: User, after: User) -> bool:
    """True when going from `before` to `after` changes what the services know of the user."""
    return any(getattr(before, name) != getattr(after, name) for name in PUBLISHED_FIELDS)


def normalise_stores(stores: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The store ids of a user, each once, sorted."""
    return tuple(sorted(set(stores)))


def leaves_an_admin(user: User, new_role: str, new_active: bool, active_admins: int) -> bool:
    """False when changing `user` this way would leave no active admin."""
    was_admin = user.role == "admin" and user.active
    stays_admin = new_role == "admin" and new_active
    return not was_admin or stays_admin or active_admins > 1
