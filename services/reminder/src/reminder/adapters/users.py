"""Staff contacts for staff notifications (an escalated complaint's task owner is told).

The gateway publishes its users (user.created.v1 / user.updated.v1, with `contacts: {phone, email,
wechat_openid}`); once this service keeps a copy of them, `user_contacts` reads it. Until then a user's
contacts are unknown (None), and a staff notification goes to the local outbox, addressed to the username.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Contacts:
    """Where a member of staff can be reached."""

    phone: str | None = None
    email: str | None = None
    wechat_openid: str | None = None


def user_contacts(session: Session, username: str) -> Contacts | None:
    """The contacts of `username`, or None while they are unknown here."""
    return None
