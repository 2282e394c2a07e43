"""The complaint settings a view needs (sessions, the caller and its stores come from servicekit.view_context)."""
from __future__ import annotations

from servicekit.view_context import own_settings

from complaint.config import ComplaintSettings

#: Where create_app keeps the complaint settings in `app.extensions`.
SETTINGS = "complaint"


def config() -> ComplaintSettings:
    """The business calendar and workflow rules."""
    return own_settings(SETTINGS)
