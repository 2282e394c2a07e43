"""The rebuild's bookkeeping in SQL: whether a rebuild is filling a fresh copy (`rebuild_state`), the events the
live consumer applied meanwhile (`rebuild_backlog`), and the copy's inbox of replayed events."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.db import inbox
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from reporting.adapters.tables import rebuild_backlog, rebuild_state


def building(session: Session) -> bool:
    """Whether a rebuild is filling a fresh copy of the read model."""
    return session.execute(select(rebuild_state.c.status).where(rebuild_state.c.status == "building")
                           ).first() is not None


def keep_in_backlog(session: Session, queue: str, body: str) -> None:
    """Keep an event the live consumer applied, for the rebuild to apply to its copy too."""
    session.execute(insert(rebuild_backlog).values(queue=queue, body=body))


def start_building(session: Session) -> None:
    """Mark the live database "building", with an empty backlog."""
    stop_building(session)
    session.execute(insert(rebuild_state).values(id=1, status="building", started_at=datetime.now(UTC)))


def stop_building(session: Session | Connection) -> None:
    """No rebuild under way any more: its state and backlog go."""
    session.execute(delete(rebuild_state))
    session.execute(delete(rebuild_backlog))


def backlog(session_or_connection: Session | Connection, after: int, limit: int | None = 500) -> list[Any]:
    """The live consumer's backlog after sequence number `after`, oldest first (seq, queue, body)."""
    query = (select(rebuild_backlog.c.seq, rebuild_backlog.c.queue, rebuild_backlog.c.body)
             .where(rebuild_backlog.c.seq > after).order_by(rebuild_backlog.c.seq))
    return list(session_or_connection.execute(query if limit is None else query.limit(limit)).all())


def applied(session: Session, queue: str, event_id: str) -> bool:
    """Whether the copy's inbox has the event as applied from `queue`."""
    return session.execute(select(inbox.c.event_id).where(inbox.c.queue == queue, inbox.c.event_id == event_id)
                           ).first() is not None


def note_applied(session: Session, queue: str, event_id: str, event_type: str) -> None:
    """Record in the copy's inbox that the event is applied (as the live consumer would have from `queue`)."""
    session.execute(insert(inbox).values(queue=queue, event_id=event_id, type=event_type, applied_at=datetime.now(UTC)))


def types_applied(session: Session, queue: str, pattern: str) -> set[str]:
    """The event types of the inbox's events from `queue` whose type is LIKE `pattern`."""
    return set(session.execute(select(inbox.c.type).where(inbox.c.queue == queue, inbox.c.type.like(pattern))
                               ).scalars())


def forget_queue(session: Session, queue: str) -> None:
    """Drop the inbox's entries of `queue`."""
    session.execute(delete(inbox).where(inbox.c.queue == queue))
