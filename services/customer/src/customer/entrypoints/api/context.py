"""What a view needs from the running service: the session factory and the caller's name."""
from __future__ import annotations

from flask import current_app
from servicekit.auth import current_identity
from servicekit.webapp import service_context
from sqlalchemy.orm import Session, sessionmaker


def sessions() -> sessionmaker[Session]:
    """The service's session factory."""
    return service_context(current_app).sessions


def actor() -> str:
    """Who is calling (kept in history as the author of a change)."""
    return current_identity().subject
