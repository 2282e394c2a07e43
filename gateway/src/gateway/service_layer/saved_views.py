"""Use cases of saved views: list those a person sees, save one, delete one (each its own transaction)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from servicekit.db import unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.adapters.repository import SavedViewRepository
from gateway.domain.saved_views import DuplicateSavedView, NotYours, SavedView, UnknownSavedView, Viewer


def list_views(sessions: sessionmaker[Session], viewer: Viewer, screen: str | None, offset: int,
               limit: int) -> tuple[list[SavedView], int]:
    """One page of the views `viewer` sees (their own and those shared with them), by name, and the total."""
    with unit_of_work(sessions) as session:
        return SavedViewRepository(session).visible(viewer, screen, offset, limit)


def save_view(sessions: sessionmaker[Session], owner: str, name: str, screen: str, query: str, shared: bool,
              store_id: str | None) -> SavedView:
    """Keep a list's filter under `name` for `owner`; DuplicateSavedView when they have that name on `screen`."""
    view = SavedView(id=uuid.uuid4().hex, owner=owner, name=name, screen=screen, query=query, shared=shared,
                     store_id=store_id if shared else None, created_at=datetime.now(UTC))
    try:
        with unit_of_work(sessions) as session:
            SavedViewRepository(session).add(view)
    except IntegrityError:
        raise DuplicateSavedView(name) from None
    return view


def delete_view(sessions: sessionmaker[Session], viewer: Viewer, view_id: str) -> None:
    """Delete a view: UnknownSavedView when `viewer` does not see it, NotYours when they may not delete it."""
    with unit_of_work(sessions) as session:
        repository = SavedViewRepository(session)
        view = repository.view(view_id)
        if view is None or not view.visible_to(viewer):
            raise UnknownSavedView(view_id)
        if not view.deletable_by(viewer):
            raise NotYours(view_id)
        repository.remove(view_id)
