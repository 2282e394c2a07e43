"""The staff as this service knows them from the gateway's user events (servicekit.staff): who may own a task,
and where a staff notification reaches a user (an escalated complaint's task owner is told)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from servicekit import staff


@dataclass(frozen=True)
class Contacts:
    """Where a member of staff can be reached."""

    phone: str | None = None
    email: str | None = None
    wechat_openid: str | None = None


def contacts_of(session: Session, username: str) -> Contacts | None:
    """Where an active user can be reached, or None when the user is unknown here, inactive or has no contact
    at all: then a staff notification goes to the local outbox, addressed to the username."""
    user = staff.find(session, username)
    if user is None or not user.active:
        return None
    found = Contacts(**{name: user.contacts.get(name) or None for name in ("phone", "email", "wechat_openid")})
    return found if any((found.phone, found.email, found.wechat_openid)) else None
