"""Erasing the free text of a customer's complaints (descriptions, comments, notes, findings), here and in the
events this service keeps: the outbox is its event history, re-sent by `python -m complaint replay`, so an
erased customer's words must not come back from it."""
from __future__ import annotations

import json
from typing import Any

from servicekit.db import outbox
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from complaint.adapters.tables import callbacks, complaints, moves, rectifications, steps, surveys

ERASED = "[erased]"
#: Timeline detail keys and event data fields that hold free text a person wrote about the customer.
FREE_TEXT = ("comment", "reason", "findings", "resolution", "description")


def erase_free_text(session: Session, customer_id: str) -> list[str]:
    """Blank every free-text field of the customer's complaints; returns the ids of those complaints."""
    # theirs, and those a merge moved to another customer (they are still about this person)
    moved_away = select(moves.c.complaint_id).where(moves.c.from_customer == customer_id)
    theirs = or_(complaints.c.customer_id == customer_id, complaints.c.id.in_(moved_away))
    ids = select(complaints.c.id).where(theirs).scalar_subquery()
    session.execute(update(complaints).where(theirs).values(description=ERASED))
    session.execute(update(complaints).where(theirs, complaints.c.resolution.is_not(None)).values(resolution=ERASED))
    session.execute(update(callbacks).where(callbacks.c.complaint_id.in_(ids)).values(comment=None))
    session.execute(update(surveys).where(surveys.c.complaint_id.in_(ids)).values(comment=None))
    session.execute(update(rectifications).where(rectifications.c.complaint_id.in_(ids)).values(
        required_action=ERASED, outcome=None))
    for step_id, details in session.execute(select(steps.c.id, steps.c.details).where(steps.c.complaint_id.in_(ids))):
        if _has_free_text(details):
            session.execute(update(steps).where(steps.c.id == step_id).values(details=_blanked(details)))
    for row_id, body in session.execute(select(outbox.c.id, outbox.c.body).where(outbox.c.subject.in_(ids))):
        event = json.loads(body)
        if _has_free_text(event["data"]):
            event["data"] = _blanked(event["data"])
            session.execute(update(outbox).where(outbox.c.id == row_id).values(
                body=json.dumps(event, ensure_ascii=False, separators=(",", ":"))))
    return list(session.execute(select(complaints.c.id).where(theirs)).scalars())


def _has_free_text(values: dict[str, Any]) -> bool:
    changes = values.get("changes")
    return any(values.get(key) for key in FREE_TEXT) or (
        isinstance(changes, dict) and any(key in FREE_TEXT for key in changes))


def _blanked(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with its free text erased, also the old and new text of a correction (`changes`)."""
    blanked = {key: (ERASED if key in FREE_TEXT and value else value) for key, value in values.items()}
    if isinstance(values.get("changes"), dict):
        blanked["changes"] = {key: ([ERASED if each else each for each in value] if key in FREE_TEXT else value)
                              for key, value in values["changes"].items()}
    return blanked
