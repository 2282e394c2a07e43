"""Who may come in: users, who log in with a password, and what changing one does (the tokens it outdates, the
change the services hear of, the admin it must leave). What a password must be: password_rules; the API keys of
other systems: api_keys. Plain Python, no framework."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

#: Letters in any script (Chinese names included), digits and . _ @ - ; they appear in URL paths.
USERNAME = re.compile(r"^[\w.@-]{1,64}$")
#: A store id as the customer service names stores (it appears in URL paths).
STORE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_STORES_PER_USER = 50


class AccountError(Exception):
    """A rule about users or API keys was broken."""


class DuplicateUser(AccountError):
    """The username is already taken."""


class UnknownUser(AccountError):
    """No user has that username."""


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


def check_username(username: str) -> None:
    """Raise ValueError unless `username` is acceptable."""
    if not USERNAME.match(username):
        raise ValueError("Use 1 to 64 letters, digits, '.', '_', '@' or '-'.")


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
