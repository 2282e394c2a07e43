"""Staff contacts for staff notifications (an escalated complaint's task owner is told).

The gateway publishes its users (user.created.v1 / user.updated.v1, with `contacts: {phone, email,
wechat_openid}`), and a service keeps a copy of them in its own `staff_users` table (username, contacts as
JSON). `user_contacts` reads that copy once this service's database has it; until then, or for a user not
in it, the contacts are unknown (None) and a staff notification goes to the local outbox, addressed to the
username.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import JSON, String, column, inspect, select, table
from sqlalchemy.orm import Session

#: The users copy, as far as this module reads it.
STAFF_USERS = table("staff_users", column("username", String), column("contacts", JSON))


@dataclass(frozen=True)
class Contacts:
    """Where a member of staff can be reached."""

    phone: str | None = None
    email: str | None = None
    wechat_openid: str | None = None


def user_contacts(session: Session, username: str) -> Contacts | None:
    """The contacts of `username`, or None while they are unknown here (no users copy, or not in it)."""
    if not inspect(session.connection()).has_table(STAFF_USERS.name):
        return None
    raw = session.execute(select(STAFF_USERS.c.contacts).where(STAFF_USERS.c.username == username)).scalar()
    if isinstance(raw, str):
        raw = json.loads(raw)
    if not isinstance(raw, dict):
        return None
    found = Contacts(phone=raw.get("phone") or None, email=raw.get("email") or None,
                     wechat_openid=raw.get("wechat_openid") or None)
    return found if any((found.phone, found.email, found.wechat_openid)) else None
