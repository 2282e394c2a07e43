"""Use cases: the group-wide settings of the complaint workflow and the escalation contacts (who is told when a
complaint of a store reaches a level), for managers of no store and admins."""
from __future__ import annotations

import uuid
from typing import Any

from servicekit.db import unit_of_work
from servicekit.pages import Page, offset
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters.contacts import ContactRepository
from complaint.adapters.settings import SettingsRepository
from complaint.domain.errors import Conflict, InvalidFields, NotFound
from complaint.service_layer.complaints import now
from servicekit import staff


def _check_told(session: Session, username: str, store_id: str) -> None:
    """The one told gets the escalation task: an active user who works in that store ("*": for the whole group),
    as the gateway's user events say; a 422 naming `username` otherwise."""
    staff.check_assignee(session, username, store_id, "username", InvalidFields.one)  # "*" is staff.EVERY_STORE


def get_settings(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Every setting (the default of those never set)."""
    with unit_of_work(sessions) as session:
        return SettingsRepository(session).all()


def change_settings(sessions: sessionmaker[Session], values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Change the settings named in `values`."""
    at = now()
    with unit_of_work(sessions) as session:
        repo = SettingsRepository(session)
        for name, value in values.items():
            repo.set(name, value, actor, at)
    return get_settings(sessions)


def list_contacts(sessions: sessionmaker[Session], filters: dict[str, Any], page: int, page_size: int) -> Page:
    """One page of the escalation contacts, the group-wide defaults first."""
    with unit_of_work(sessions) as session:
        items, total = ContactRepository(session).search(filters, offset(page, page_size), page_size)
    return Page(items, total, page, page_size)


def create_contact(sessions: sessionmaker[Session], values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Name who is told for a store (or "*": every store without its own) and level; 409 when one is named."""
    contact_id = str(uuid.uuid4())
    where = f"store {values['store_id']}" if values["store_id"] != "*" else "every store (*)"
    try:
        with unit_of_work(sessions) as session:
            repo = ContactRepository(session)
            _check_told(session, values["username"], values["store_id"])
            existing = repo.find(values["store_id"], values["level"])
            if existing is not None:
                raise Conflict(f"The {values['level']} of {where} is already {existing['username']} "
                               f"(contact {existing['id']}); change that one.")
            repo.add({"id": contact_id, **values, "updated_by": actor, "updated_at": now()})
    except IntegrityError:
        raise Conflict(f"The {values['level']} of {where} is already named.") from None
    return get_contact(sessions, contact_id)


def get_contact(sessions: sessionmaker[Session], contact_id: str) -> dict[str, Any]:
    """One contact, or NotFound."""
    with unit_of_work(sessions) as session:
        contact = ContactRepository(session).get(contact_id)
    if contact is None:
        raise NotFound("escalation contact", contact_id)
    return contact


def update_contact(sessions: sessionmaker[Session], contact_id: str, values: dict[str, Any],
                   actor: str) -> dict[str, Any]:
    """Name someone else; escalations already made keep who was told then."""
    with unit_of_work(sessions) as session:
        repo = ContactRepository(session)
        contact = repo.get(contact_id)
        if contact is None:
            raise NotFound("escalation contact", contact_id)
        if "username" in values:
            _check_told(session, values["username"], contact["store_id"])
        repo.update(contact_id, {**values, "updated_by": actor, "updated_at": now()})
    return get_contact(sessions, contact_id)


def delete_contact(sessions: sessionmaker[Session], contact_id: str) -> None:
    """Forget a contact (the store's escalations then go to the group-wide default, if any)."""
    with unit_of_work(sessions) as session:
        repo = ContactRepository(session)
        if repo.get(contact_id) is None:
            raise NotFound("escalation contact", contact_id)
        repo.delete(contact_id)
