"""Use cases on users, each one transaction over the gateway's database (API keys: api_keys)."""
from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import cast

from servicekit.db import unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway import events
from gateway.adapters import passwords
from gateway.adapters.repository import AccountRepository
from gateway.domain.accounts import (
    DuplicateUser,
    LastAdmin,
    UnknownUser,
    User,
    leaves_an_admin,
    normalise_contacts,
    normalise_stores,
    outdates_tokens,
    publishes_change,
)
from gateway.domain.password_rules import check_password

log = logging.getLogger(__name__)
FIRST_ADMIN = "admin"
#: An argument left as it is.
KEEP = object()


def _now() -> datetime:
    return datetime.now(UTC)


def login(sessions: sessionmaker[Session], username: str, password: str) -> User | None:
    """The active user with these credentials, or None (unknown, wrong password and inactive look alike)."""
    with unit_of_work(sessions) as session:
        repository = AccountRepository(session)
        user = repository.user(username)
        matches = passwords.verify_password(user.password_hash if user else None, password)
        if user is None or not matches or not user.active:
            return None
        if passwords.needs_rehash(user.password_hash):
            # Only the hash: writing the whole user back could undo a change made since it was read.
            repository.rehash_password(user, passwords.hash_password(password))
        return user


def create_user(sessions: sessionmaker[Session], username: str, password: str, role: str,
                stores: tuple[str, ...] | list[str] = (), display_name: str | None = None,
                contacts: dict[str, str | None] | None = None) -> User:
    """Add an active user (working for `stores`, or the whole group) and publish user.created.v1; raise
    DuplicateUser when the username is taken, WeakPassword when the password is not acceptable."""
    check_password(password, username)
    now = _now()
    user = User(username=username, role=role, active=True, password_hash=passwords.hash_password(password),
                created_at=now, updated_at=now, stores=normalise_stores(stores), display_name=display_name,
                contacts=normalise_contacts(contacts))
    try:
        with unit_of_work(sessions) as session:
            repository = AccountRepository(session)
            if repository.user(username) is not None:
                raise DuplicateUser(username)
            repository.add_user(user)
            events.publish_user(session, events.USER_CREATED, user)
            repository.announced(user)
    except IntegrityError:
        # Another request created the same username between our check and our insert.
        raise DuplicateUser(username) from None
    return user


def list_users(sessions: sessionmaker[Session], offset: int, limit: int) -> tuple[list[User], int]:
    """One page of users and the total count."""
    with unit_of_work(sessions) as session:
        return AccountRepository(session).users(offset, limit)


def assignable_users(sessions: sessionmaker[Session], stores: frozenset[str] | None, offset: int,
                     limit: int) -> tuple[list[User], int]:
    """One page of the active users who may be given work of one of `stores` (None: of any store) — those tied
    to one of them, group-wide users and admins — by username, and how many there are in all."""
    with unit_of_work(sessions) as session:
        everyone = [user for user in AccountRepository(session).active_users() if user.may_work_in_any(stores)]
    return everyone[offset:offset + limit], len(everyone)


def get_user(sessions: sessionmaker[Session], username: str) -> User:
    """The user named `username`; raise UnknownUser otherwise."""
    with unit_of_work(sessions) as session:
        user = AccountRepository(session).user(username)
    if user is None:
        raise UnknownUser(username)
    return user


def update_user(sessions: sessionmaker[Session], username: str, role: str | None = None,
                password: str | None = None, active: bool | None = None,
                stores: tuple[str, ...] | list[str] | None = None, display_name: str | None | object = KEEP,
                contacts: dict[str, str | None] | None = None) -> User:
    """Change a user's role, password, active flag, stores, display name (None clears it) or contacts (those
    named; None clears one), publishing user.updated.v1 when what the services know changes; refuse to leave
    the gateway without an admin."""
    if password is not None:
        check_password(password, username)
    with unit_of_work(sessions) as session:
        repository = AccountRepository(session)
        user = repository.user(username)
        if user is None:
            raise UnknownUser(username)
        new_role = user.role if role is None else role
        new_active = user.active if active is None else active
        if not leaves_an_admin(user, new_role, new_active, repository.active_admins()):
            raise LastAdmin(username)
        changed = dataclasses.replace(
            user, role=new_role, active=new_active, updated_at=_now(),
            stores=user.stores if stores is None else normalise_stores(stores),
            password_hash=user.password_hash if password is None else passwords.hash_password(password),
            display_name=user.display_name if display_name is KEEP else cast("str | None", display_name),
            contacts=user.contacts if contacts is None else normalise_contacts({**user.contacts, **contacts}))
        if outdates_tokens(user, changed, password is not None):
            changed = dataclasses.replace(changed, token_version=user.token_version + 1)
        if publishes_change(user, changed):
            changed = dataclasses.replace(changed, version=user.version + 1)
            events.publish_user(session, events.USER_UPDATED, changed)
            repository.announced(changed)
        repository.save_user(changed)
    return changed


def announce_users(sessions: sessionmaker[Session]) -> int:
    """Publish user.updated.v1 for every user whose present version was never published (every existing user,
    the first time the gateway starts with events): the services' copies fill at once. Return how many."""
    with unit_of_work(sessions) as session:
        repository = AccountRepository(session)
        pending = repository.unannounced()
        for user in pending:
            events.publish_user(session, events.USER_UPDATED, user)
            repository.announced(user)
    if pending:
        log.info("Announced %d users to the services.", len(pending))
    return len(pending)


def token_standing(sessions: sessionmaker[Session], username: str) -> int | None:
    """The token version a session token of `username` must carry, or None when the user is gone or inactive."""
    with unit_of_work(sessions) as session:
        standing = AccountRepository(session).standing(username)
    if standing is None or not standing[0]:
        return None
    return standing[1]


def ensure_first_admin(sessions: sessionmaker[Session], password: str | None) -> None:
    """Create the `admin` user when no active admin exists, so a fresh install can be administered."""
    with unit_of_work(sessions) as session:
        repository = AccountRepository(session)
        if repository.active_admins() > 0:
            return
        if not password:
            log.error("No admin user exists and CRM_ADMIN_PASSWORD is not set: nobody can manage users or "
                      "API keys. Set CRM_ADMIN_PASSWORD and restart the gateway.")
            return
        if repository.user(FIRST_ADMIN) is not None:
            log.error("No active admin exists and the username %r is taken by a non-admin user; "
                      "not creating the first admin.", FIRST_ADMIN)
            return
    try:
        create_user(sessions, FIRST_ADMIN, password, "admin")
        log.info("Created the first admin user %r.", FIRST_ADMIN)
    except DuplicateUser:
        pass  # another process of the gateway created it at the same moment
    except ValueError as exc:
        log.error("CRM_ADMIN_PASSWORD is not acceptable (%s); the first admin was not created.", exc)
