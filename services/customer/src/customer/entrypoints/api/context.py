"""The customer settings a view needs (sessions, the caller and its stores come from servicekit.view_context)."""
from __future__ import annotations

from servicekit.view_context import own_settings

from customer.config import CustomerSettings

#: Where create_app keeps the customer settings in `app.extensions`.
SETTINGS = "customer"


def config() -> CustomerSettings:
    """The points policy, the import limits and the merge undo window, read at start."""
    return own_settings(SETTINGS)
