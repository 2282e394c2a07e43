"""Writing events: into the outbox, in the caller's transaction, never straight to the broker."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicekit.db import bulk_insert, outbox
from servicekit.events import Event, new_event
from servicekit.timestamps import as_utc

#: The columns of an event's outbox row, in the order `outbox_row` gives them.
OUTBOX_COLUMNS = ("event_id", "type", "subject", "body", "created_at")


def outbox_row(event: Event, moment: datetime) -> tuple[str, str, str, str, datetime]:
    """`event` as the outbox keeps it (OUTBOX_COLUMNS), added at `moment`: for a writer of many rows at once."""
    return event.id, event.type, event.subject, event.to_json(), moment


def record_event(session: Session, service: str, type: str, subject: str, data: dict[str, Any]) -> Event:
    """Add an event to the outbox inside `session`'s transaction; it is published after commit."""
    event = new_event(service, type, subject, data)
    session.execute(outbox.insert().values(dict(zip(OUTBOX_COLUMNS, outbox_row(event, datetime.now(UTC)),
                                                    strict=True))))
    return event


def record_events(session: Session, service: str, items: list[tuple[str, str, dict[str, Any]]]) -> list[Event]:
    """Add several events, each `(type, subject, data)`, to the outbox in one statement, in this order,
    inside `session`'s transaction: for a use case that changes many aggregates at once (a scan, a batch)."""
    events = [new_event(service, type, subject, data) for type, subject, data in items]
    if events:
        moment = datetime.now(UTC)
        bulk_insert(session, outbox, [dict(zip(OUTBOX_COLUMNS, outbox_row(event, moment), strict=True))
                                      for event in events])
    return events


def backlog(engine: Engine) -> tuple[int, float]:
    """(number of unpublished events, age in seconds of the oldest one)."""
    with engine.connect() as connection:
        count, oldest = connection.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None))).one()
    if not oldest:
        return count, 0.0
    return count, max(0.0, (datetime.now(UTC) - as_utc(oldest)).total_seconds())
