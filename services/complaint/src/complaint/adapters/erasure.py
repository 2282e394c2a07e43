"""Erasing the free text of a customer's complaints (descriptions, comments, notes, findings)."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from complaint.adapters.tables import callbacks, complaints, rectifications, steps, surveys

ERASED = "[erased]"
#: Timeline detail keys that hold free text a person wrote about the customer.
FREE_TEXT_DETAILS = ("comment", "reason", "findings", "resolution")


def erase_free_text(session: Session, customer_id: str) -> None:
    """Blank every free-text field of the customer's complaints."""
    ids = select(complaints.c.id).where(complaints.c.customer_id == customer_id).scalar_subquery()
    session.execute(update(complaints).where(complaints.c.customer_id == customer_id).values(
        description=ERASED, resolution=ERASED))
    session.execute(update(callbacks).where(callbacks.c.complaint_id.in_(ids)).values(comment=None))
    session.execute(update(surveys).where(surveys.c.complaint_id.in_(ids)).values(comment=None))
    session.execute(update(rectifications).where(rectifications.c.complaint_id.in_(ids)).values(
        required_action=ERASED, outcome=None))
    for step_id, details in session.execute(select(steps.c.id, steps.c.details).where(steps.c.complaint_id.in_(ids))):
        if any(key in details for key in FREE_TEXT_DETAILS):
            cleaned = {key: (ERASED if key in FREE_TEXT_DETAILS and value else value) for key, value in details.items()}
            session.execute(update(steps).where(steps.c.id == step_id).values(details=cleaned))
