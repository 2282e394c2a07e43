"""Recording this service's events: checked against the published schema, into the outbox."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from customer.events import CONTRACT


def emit(session: Session, type: str, customer_id: str, values: dict[str, Any]) -> None:
    """Add a `type` event about a customer to the outbox in `session`'s transaction.

    The subject is always the customer id, so subscribers see one customer's events in order.
    """
    CONTRACT.emit(session, type, customer_id, values)
