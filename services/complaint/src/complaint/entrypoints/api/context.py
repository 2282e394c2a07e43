"""What a view needs from the running service: sessions, the complaint settings, the caller's name."""
from __future__ import annotations

from flask import current_app
from servicekit.auth import current_identity
from servicekit.webapp import service_context
from sqlalchemy.orm import Session, sessionmaker

from complaint.config import ComplaintSettings


def sessions() -> sessionmaker[Session]:
    """The service's session factory."""
    return service_context(current_app).sessions


def config() -> ComplaintSettings:
    """The business calendar and workflow rules."""
    return current_app.extensions["complaint"]


def actor() -> str:
    """Who is calling (kept on the timeline as the author of a step)."""
    return current_identity().subject


def stores() -> frozenset[str] | None:
    """The stores the caller works for (None: every store)."""
    return current_identity().store_scope
