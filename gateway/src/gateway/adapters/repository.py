"""Reading and writing users, API keys and saved views in one session (the caller owns the transaction)."""
from __future__ import annotations

from typing import Any

from servicekit.timestamps import with_utc
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, true, update
from sqlalchemy.orm import Session

from gateway.adapters.tables import api_keys, saved_views, users
from gateway.domain.accounts import User, normalise_contacts
from gateway.domain.api_keys import ApiKey
from gateway.domain.saved_views import SavedView, Viewer


def _utc(row: Any) -> dict[str, Any]:
    """The row as a dict with aware UTC datetimes (SQLite hands them back naive)."""
    values = dict(row)
    if "stores" in values:
        values["stores"] = tuple(values["stores"] or ())
    values.pop("announced_version", None)
    if "contacts" in values:
        values["contacts"] = normalise_contacts(values["contacts"])
    return with_utc(values)


class AccountRepository:
    """Users and API keys, as domain objects."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user(self, username: str) -> User | None:
        """The user named `username`, or None."""
        row = self.session.execute(select(users).where(users.c.username == username)).mappings().first()
        return User(**_utc(row)) if row else None

    def users(self, offset: int, limit: int) -> tuple[list[User], int]:
        """One page of users ordered by username, and how many there are in all."""
        rows = self.session.execute(select(users).order_by(users.c.username).offset(offset).limit(limit))
        total = self.session.execute(select(func.count()).select_from(users)).scalar_one()
        return [User(**_utc(row)) for row in rows.mappings()], total

    def active_users(self) -> list[User]:
        """Every active user, by username (a dealer group has tens to hundreds of staff)."""
        rows = self.session.execute(select(users).where(users.c.active.is_(True)).order_by(users.c.username))
        return [User(**_utc(row)) for row in rows.mappings()]

    def unannounced(self) -> list[User]:
        """The users whose present version has not been published yet (all of them, the first time)."""
        rows = self.session.execute(select(users).where(
            or_(users.c.announced_version.is_(None), users.c.announced_version < users.c.version))
            .order_by(users.c.username).with_for_update())
        return [User(**_utc(row)) for row in rows.mappings()]

    def announced(self, user: User) -> None:
        """Remember that `user`'s present version is published (in the transaction that publishes it)."""
        self.session.execute(update(users).where(users.c.username == user.username)
                             .values(announced_version=user.version))

    def active_admins(self) -> int:
        """How many active users have the admin role."""
        return self.session.execute(select(func.count()).select_from(users).where(
            users.c.role == "admin", users.c.active.is_(True))).scalar_one()

    def add_user(self, user: User) -> None:
        """Insert `user` (the primary key rejects a duplicate username)."""
        self.session.execute(users.insert().values(**{**user.__dict__, "stores": list(user.stores),
                                                      "contacts": dict(user.contacts)}))
        self.session.flush()

    def save_user(self, user: User) -> None:
        """Write back the changeable fields of `user`."""
        self.session.execute(update(users).where(users.c.username == user.username).values(
            role=user.role, active=user.active, password_hash=user.password_hash, updated_at=user.updated_at,
            stores=list(user.stores), token_version=user.token_version, display_name=user.display_name,
            contacts=dict(user.contacts), version=user.version))

    def rehash_password(self, user: User, password_hash: str) -> None:
        """Replace the hash of `user`'s unchanged password (only if nobody changed the password meanwhile)."""
        self.session.execute(update(users).where(users.c.username == user.username,
                                                 users.c.password_hash == user.password_hash)
                             .values(password_hash=password_hash))

    def standing(self, username: str) -> tuple[bool, int] | None:
        """(active, token version) of the user named `username`, or None: what a session token is checked against."""
        row = self.session.execute(select(users.c.active, users.c.token_version)
                                   .where(users.c.username == username)).first()
        return (bool(row.active), row.token_version) if row else None

    def api_key(self, key_id: str) -> ApiKey | None:
        """The API key with id `key_id`, or None."""
        row = self.session.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
        return ApiKey(**_utc(row)) if row else None

    def api_key_page(self, offset: int, limit: int) -> tuple[list[ApiKey], int]:
        """One page of API keys, newest first, and how many there are in all."""
        rows = self.session.execute(select(api_keys).order_by(api_keys.c.created_at.desc(), api_keys.c.id)
                                    .offset(offset).limit(limit))
        total = self.session.execute(select(func.count()).select_from(api_keys)).scalar_one()
        return [ApiKey(**_utc(row)) for row in rows.mappings()], total

    def add_api_key(self, key: ApiKey) -> None:
        """Insert `key`."""
        self.session.execute(api_keys.insert().values(**{**key.__dict__, "stores": list(key.stores)}))

    def save_api_key(self, key: ApiKey) -> None:
        """Write back the revocation time of `key`."""
        self.session.execute(update(api_keys).where(api_keys.c.id == key.id).values(revoked_at=key.revoked_at))


class SavedViewRepository:
    """Saved views, as domain objects."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def view(self, view_id: str) -> SavedView | None:
        """The saved view `view_id`, or None."""
        row = self.session.execute(select(saved_views).where(saved_views.c.id == view_id)).mappings().first()
        return SavedView(**_utc(row)) if row else None

    def visible(self, viewer: Viewer, screen: str | None, offset: int, limit: int) -> tuple[list[SavedView], int]:
        """One page of the views `viewer` sees (as SavedView.visible_to says), of `screen` if given, by name, and
        how many there are in all."""
        shared: ColumnElement[bool] = saved_views.c.shared.is_(True)
        if viewer.scope is not None:
            shared = and_(shared, or_(saved_views.c.store_id.is_(None), saved_views.c.store_id.in_(viewer.scope)))
        condition = and_(or_(saved_views.c.owner == viewer.username, shared),
                         saved_views.c.screen == screen if screen else true())
        rows = self.session.execute(select(saved_views).where(condition)
                                    .order_by(saved_views.c.name, saved_views.c.id).offset(offset).limit(limit))
        total = self.session.execute(select(func.count()).select_from(saved_views).where(condition)).scalar_one()
        return [SavedView(**_utc(row)) for row in rows.mappings()], total

    def add(self, view: SavedView) -> None:
        """Insert `view` (the unique constraint refuses a second view of one name, owner and screen)."""
        self.session.execute(saved_views.insert().values(**view.__dict__))
        self.session.flush()

    def remove(self, view_id: str) -> None:
        """Delete the saved view `view_id`."""
        self.session.execute(delete(saved_views).where(saved_views.c.id == view_id))
