"""A service's copy of the gateway's users (员工), kept from `user.created.v1` / `user.updated.v1`.

Whoever is made responsible for something (a complaint's assignee, a task's owner, a customer's owner)
must be an active user who may work in the record's store: tied to that store, or tied to no store
(group-wide), or an admin. Each service keeps this copy in its own database (no service reads another's
tables) and checks assignees against it with `check_assignee`. The gateway publishes every user once at
its start, so a copy fills as soon as the consumer runs.

    users = staff.users_table(metadata)          # in the service's tables module
    staff.apply_user_event(session, event)        # the consumer's handler (idempotent by version)
    staff.check_assignee(session, "li.lei", store_id, "assignee")   # 422 naming the field otherwise
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table, column, select, table, update
from sqlalchemy.orm import Session

from servicekit.events import Event
from servicekit.fields import Instant
from servicekit.problems import Problem
from servicekit.timestamps import as_utc

TABLE = "staff_users"
USER_CREATED = "user.created.v1"
USER_UPDATED = "user.updated.v1"
USER_EVENTS = (USER_CREATED, USER_UPDATED)

#: As the `store_id` of `check_assignee`: work that reaches every store (a group-wide rule's tasks); only a user
#: who works for the whole group (tied to no store) or an admin may take it.
EVERY_STORE = "*"

#: The same table as `users_table` makes, for queries: the kit's functions need no service's metadata.
_users = table(TABLE, column("username", String), column("display_name", String), column("role", String),
               column("stores", JSON), column("active", Boolean), column("contacts", JSON),
               column("version", Integer), column("changed_at", DateTime(timezone=True)))


def users_table(metadata: MetaData) -> Table:
    """The users copy as a table of `metadata` (the service's migrations create it with the same columns)."""
    return Table(
        TABLE, metadata,
        Column("username", String(64), primary_key=True),
        Column("display_name", String(100)),
        Column("role", String(20), nullable=False),
        # the store ids the user works for; empty: the whole dealer group
        Column("stores", JSON, nullable=False),
        Column("active", Boolean, nullable=False),
        # {phone, email, wechat_openid}, each possibly null: where staff notifications reach the user
        Column("contacts", JSON, nullable=False),
        Column("version", Integer, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False),
    )


def create_users_table() -> None:
    """In a service's migration: create the users copy (as `users_table` defines it)."""
    users_table(MetaData()).create(_bind(), checkfirst=False)


def drop_users_table() -> None:
    """In a service's migration downgrade: drop the users copy."""
    users_table(MetaData()).drop(_bind(), checkfirst=False)


def _bind():
    from alembic import op

    return op.get_bind()


class ContactsData(Schema):
    """Where a user can be reached with staff notifications (each null when unknown)."""

    phone = fields.String(required=True, allow_none=True, validate=validate.Length(max=40))
    email = fields.String(required=True, allow_none=True, validate=validate.Length(max=254))
    wechat_openid = fields.String(required=True, allow_none=True, validate=validate.Length(max=128))


class UserEventData(Schema):
    """`user.created.v1` / `user.updated.v1` data: a user of the gateway as it is after the change."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    display_name = fields.String(required=True, allow_none=True, validate=validate.Length(max=100))
    role = fields.String(required=True)
    stores = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    contacts = fields.Nested(ContactsData, required=True)
    changed_at = Instant(required=True)


@dataclass(frozen=True)
class StaffUser:
    """A user as the copy knows them."""

    username: str
    display_name: str | None
    role: str
    stores: tuple[str, ...]
    active: bool
    contacts: dict[str, str | None]
    version: int

    def may_work_in(self, store_id: str | None) -> bool:
        """True when this user may be made responsible for a record of `store_id` (None: of no store).

        As the services scope callers: an admin or a user tied to no store reaches every store; a user
        tied to stores reaches those stores' records only.
        """
        return self.role == "admin" or not self.stores or (store_id != EVERY_STORE and store_id in self.stores)


class NotAssignable(Problem):
    """A 422 naming the field: the user is unknown, inactive or does not work in that store."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, "Unprocessable Content", f"The request body has invalid fields: {field}",
                         errors={field: [message]})
        self.field, self.message = field, message


def _moment(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        moment = raw
    else:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return as_utc(moment).astimezone(UTC)


def _contacts(raw: Any) -> dict[str, str | None]:
    raw = raw if isinstance(raw, dict) else {}
    return {name: raw.get(name) or None for name in ("phone", "email", "wechat_openid")}


def apply_user(session: Session, data: dict[str, Any]) -> bool:
    """Keep the copy in step with one user event's data; an older or equal version changes nothing.

    Return True when the copy changed. Unknown fields are ignored; absent optional ones read as null.
    """
    username, version = str(data["username"]), int(data["version"])
    values = {"display_name": data.get("display_name"), "role": str(data["role"]),
              "stores": sorted({str(store) for store in data.get("stores") or ()}),
              "active": bool(data.get("active", True)), "contacts": _contacts(data.get("contacts")),
              "version": version, "changed_at": _moment(data.get("changed_at") or datetime.now(UTC))}
    current = session.execute(select(_users.c.version).where(_users.c.username == username)).scalar()
    if current is None:
        session.execute(_users.insert().values(username=username, **values))
        return True
    if current >= version:
        return False
    session.execute(update(_users).where(_users.c.username == username).values(**values))
    return True


def apply_user_event(session: Session, event: Event) -> None:
    """A consumer handler for `user.created.v1` and `user.updated.v1` (other types are ignored)."""
    if event.type in USER_EVENTS:
        apply_user(session, {**event.data, "changed_at": event.data.get("changed_at") or event.time})


def find(session: Session, username: str) -> StaffUser | None:
    """The user named `username` as the copy knows them, or None."""
    row = session.execute(select(_users).where(_users.c.username == username)).mappings().first()
    if row is None:
        return None
    return StaffUser(username=row["username"], display_name=row["display_name"], role=row["role"],
                     stores=tuple(row["stores"] or ()), active=bool(row["active"]),
                     contacts=_contacts(row["contacts"]), version=row["version"])


def check_assignee(session: Session, username: str | None, store_id: str | None, field: str,
                   error: Callable[[str, str], Exception] | None = None) -> StaffUser | None:
    """The user `username` may be made responsible for a record of `store_id`; otherwise raise a 422 naming
    `field` (NotAssignable, or what `error(field, message)` makes: a service's own validation error).

    None (nobody) passes as None. A user tied to no store is group-wide and may work anywhere. `store_id` None is
    a record of no store, EVERY_STORE work that reaches every store: both need a group-wide user (or an admin).
    """
    if username is None:
        return None
    user = find(session, username)
    message = None
    if user is None:
        message = f"用户 {username} 不存在 (there is no user {username})."
    elif not user.active:
        message = f"用户 {username} 已停用 (user {username} is inactive)."
    elif not user.may_work_in(store_id) and store_id == EVERY_STORE:
        message = (f"用户 {username} 只在门店 {'、'.join(user.stores)} 工作，而这里的工作涉及所有门店，"
                   "须由集团级用户负责 "
                   f"({username} works for stores {', '.join(user.stores)} only; this work reaches every store, "
                   "so it needs a user of the whole group).")
    elif not user.may_work_in(store_id) and store_id is None:
        message = (f"用户 {username} 只在门店 {'、'.join(user.stores)} 工作，不能负责不属于任何门店的记录 "
                   f"({username} works for stores {', '.join(user.stores)} only, not for records of no store).")
    elif not user.may_work_in(store_id):
        message = f"用户 {username} 不在门店 {store_id} 工作 ({username} does not work in store {store_id})."
    if message is not None:
        raise (error or NotAssignable)(field, message)
    return user


def user_data(username: str, *, role: str = "agent", stores: Iterable[str] = (), active: bool = True,
              version: int = 1, display_name: str | None = None, phone: str | None = None,
              email: str | None = None, wechat_openid: str | None = None,
              changed_at: datetime | None = None) -> dict[str, Any]:
    """The data of a user event, as the gateway publishes it (for fixtures and tests)."""
    return {"username": username, "display_name": display_name, "role": role, "stores": sorted(stores),
            "active": active, "version": version,
            "contacts": {"phone": phone, "email": email, "wechat_openid": wechat_openid},
            "changed_at": (changed_at or datetime.now(UTC)).isoformat().replace("+00:00", "Z")}
