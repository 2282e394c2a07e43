"""What a view needs from the running service and the request: the session factory, who is calling, the
stores the caller works for, and the service's own settings (put in `app.extensions` when the app is made)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session, sessionmaker

from servicekit.auth import current_identity
from servicekit.webapp import service_context


def sessions() -> sessionmaker[Session]:
    """The service's session factory."""
    return service_context(current_app).sessions


def actor() -> str:
    """Who is calling (kept as the author of what the request changes)."""
    return current_identity().subject


def stores() -> frozenset[str] | None:
    """The stores the caller works for (None: every store)."""
    return current_identity().store_scope


def own_settings(key: str) -> Any:
    """The service's own settings, kept under `key` in `app.extensions` when the app was made."""
    return current_app.extensions[key]
