"""Saved views: a list's filter kept under a name by the person who made it, and shared with a store (or the
whole group) if they choose. Who sees and who may delete a view is decided here. Plain Python, no framework."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: The console's lists a view can be saved of.
SCREENS = ("today", "complaints", "customers")
#: The longest query string a view keeps (the lists' filters are a few short arguments).
MAX_QUERY_LENGTH = 2000


class SavedViewError(Exception):
    """A rule about saved views was broken."""


class UnknownSavedView(SavedViewError):
    """No saved view of that id is visible to the caller."""


class DuplicateSavedView(SavedViewError):
    """The caller has a view of that name on that screen already."""


class NotYours(SavedViewError):
    """The caller sees the view but may not delete it."""


@dataclass(frozen=True)
class Viewer:
    """Who asks: their username, whether their role manages, and their stores (None: the whole group)."""

    username: str
    manages: bool
    scope: frozenset[str] | None


@dataclass(frozen=True)
class SavedView:
    """A list's filter under a name; shared with the people of `store_id` (None: the whole group) when `shared`."""

    id: str
    owner: str
    name: str
    screen: str
    query: str
    shared: bool
    store_id: str | None
    created_at: datetime

    def visible_to(self, viewer: Viewer) -> bool:
        """The owner sees it; when shared, so does everyone of its store (of every store, for the whole group's),
        and everyone who works for the whole group."""
        if self.owner == viewer.username:
            return True
        return self.shared and (viewer.scope is None or self.store_id is None or self.store_id in viewer.scope)

    def deletable_by(self, viewer: Viewer) -> bool:
        """The owner deletes it; a manager of the store it is shared with too (of the whole group: a manager
        who works for the whole group)."""
        if self.owner == viewer.username:
            return True
        return self.shared and viewer.manages and (viewer.scope is None or self.store_id in viewer.scope)
