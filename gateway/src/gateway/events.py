"""The events the gateway publishes (docs/events/gateway.md): its users, for the services' copies.

The services check assignees against these copies (servicekit.staff) and reach staff through the contacts.
"""
from __future__ import annotations

from typing import Any

from servicekit.contracts import EventContract
from servicekit.staff import USER_CREATED, USER_UPDATED, UserEventData
from sqlalchemy.orm import Session

from gateway.domain.accounts import User

CONTRACT = EventContract("gateway", {USER_CREATED: UserEventData(), USER_UPDATED: UserEventData()})


def user_values(user: User) -> dict[str, Any]:
    """What a user event says of `user` (never the password hash or token version)."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "stores": list(user.stores), "active": user.active, "version": user.version,
            "contacts": dict(user.contacts), "changed_at": user.updated_at}


def publish_user(session: Session, type: str, user: User) -> None:
    """Add a user event about `user` to the outbox in `session`'s transaction (subject: the username)."""
    CONTRACT.emit(session, type, user.username, user_values(user))
