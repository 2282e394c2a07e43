"""Read-only use cases: listing complaints, a complaint's timeline and callbacks."""
from __future__ import annotations

from typing import Any

from servicekit.db import unit_of_work
from servicekit.pages import Page, offset
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters.complaints import ComplaintRepository
from complaint.config import ComplaintSettings
from complaint.service_layer.complaints import Stores, complaint_in_scope, with_settings
from complaint.service_layer.views import complaint_view


def search(sessions: sessionmaker[Session], config: ComplaintSettings, filters: dict[str, Any], page: int,
           page_size: int) -> Page:
    """One page of the complaints matching every filter (`stores`: only those stores'), newest first."""
    with unit_of_work(sessions) as session:
        config = with_settings(session, config)
        found, total = ComplaintRepository(session).search(filters, offset(page, page_size), page_size)
    return Page([complaint_view(complaint, config, name) for complaint, name in found], total, page, page_size)


def timeline(sessions: sessionmaker[Session], complaint_id: str, page: int, page_size: int,
             stores: Stores = None) -> Page:
    """Every step of the complaint with who and when, oldest first."""
    with unit_of_work(sessions) as session:
        repo = ComplaintRepository(session)
        complaint_in_scope(session, complaint_id, stores)
        items, total = repo.timeline(complaint_id, offset(page, page_size), page_size)
    return Page(items, total, page, page_size)


def callbacks(sessions: sessionmaker[Session], complaint_id: str, stores: Stores = None) -> list[dict[str, Any]]:
    """Every callback of the complaint, oldest first."""
    with unit_of_work(sessions) as session:
        repo = ComplaintRepository(session)
        complaint_in_scope(session, complaint_id, stores)
        return repo.callbacks_of(complaint_id)


def surveys(sessions: sessionmaker[Session], complaint_id: str, stores: Stores = None) -> list[dict[str, Any]]:
    """Every survey of the complaint, one per resolution round."""
    with unit_of_work(sessions) as session:
        repo = ComplaintRepository(session)
        complaint_in_scope(session, complaint_id, stores)
        return repo.surveys_of(complaint_id)
