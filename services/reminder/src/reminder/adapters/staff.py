"""The staff as this service knows them from the gateway's user events (servicekit.staff): who may own a task,
and where a staff notification reaches a user."""
from __future__ import annotations

from sqlalchemy.orm import Session

from servicekit import staff


def contacts_of(session: Session, username: str) -> dict[str, str | None] | None:
    """The contacts of an active user (`{"phone", "email", "wechat_openid"}`, each None when unknown, plus
    `display_name`), or None when the user is unknown here or inactive: nobody to notify."""
    user = staff.find(session, username)
    if user is None or not user.active:
        return None
    return {**user.contacts, "display_name": user.display_name}
