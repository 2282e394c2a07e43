"""The outbox relay: publishes committed events, in order per aggregate, until the broker confirms.

Replicas may run side by side: each claims pending rows with `FOR UPDATE SKIP LOCKED` (PostgreSQL),
so no row is published twice in normal operation, and it holds back an aggregate's rows while an
earlier row of the same aggregate is claimed by another replica, so order per aggregate holds.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from kombu import Connection
from sqlalchemy import func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from servicekit import metrics, topology
from servicekit.bus import ensure_connected
from servicekit.db import among, outbox
from servicekit.publisher import Outgoing, Publisher
from servicekit.wire import read_in_chunks

log = logging.getLogger(__name__)


def in_aggregate_order(session: Session, claimed: Sequence[Row], in_flight: Sequence[int] = ()) -> list[Row]:
    """Drop the claimed rows that would overtake an earlier row of their aggregate claimed elsewhere.

    Claiming takes the oldest pending rows not locked by another replica, so the only earlier pending
    rows we did not claim are those another replica holds (usually none): one cheap look at them.
    Rows of our own batches still in flight count as ours: they went on the wire first.
    """
    if not claimed:
        return []
    ids = [row.id for row in claimed]
    elsewhere: dict[Any, int] = dict(session.execute(  # type: ignore[arg-type]  # rows of two columns are pairs
        select(outbox.c.subject, func.min(outbox.c.id))
        .where(outbox.c.published_at.is_(None), outbox.c.id < max(ids),
               ~among(session, outbox.c.id, [*ids, *in_flight]))
        .group_by(outbox.c.subject)).all())
    return [row for row in claimed if row.id < elsewhere.get(row.subject, row.id + 1)]


#: A batch sent and not yet confirmed: its open transaction, its rows, and the delivery tag of its last message.
_Batch = tuple[Session, list[Row], int]


def _may_claim(batches: int, max_batches: int | None, stop: threading.Event | None) -> bool:
    """Whether `drain` may claim another batch: fewer than `max_batches` so far, and `stop` not set."""
    return (max_batches is None or batches < max_batches) and not (stop is not None and stop.is_set())


def _roll_back(sessions: list[Session | None]) -> None:
    """Roll back and close every session given (None: none there)."""
    for session in sessions:
        if session is not None:
            session.rollback()
            session.close()


class Relay:
    """Moves events from a service's outbox to the broker."""

    def __init__(self, service: str, sessions: sessionmaker[Session], connect: Callable[[], Connection],
                 batch_size: int = 1000, poll_interval: float = 0.2, max_backoff: float = 30.0,
                 in_flight: int = 2, declares: topology.Queues | None = None) -> None:
        self.service, self.sessions, self.connect = service, sessions, connect
        #: Queues of other services declared before the first publish (topology.declare_for_publisher).
        self.declares = dict(declares or {})
        self.batch_size, self.poll_interval, self.max_backoff = batch_size, poll_interval, max_backoff
        self.in_flight = in_flight  # batches sent but not yet confirmed (PostgreSQL; SQLite allows one)
        self._connection: Connection | None = None
        self._publisher: Publisher | None = None

    def _ensure_publisher(self) -> Publisher:
        if self._publisher is None:
            connection = self.connect()
            ensure_connected(connection)
            if connection.transport.driver_type == "amqp":
                read_in_chunks(connection)
            topology.declare_for_publisher(connection.default_channel, self.declares,
                                           amqp=connection.transport.driver_type == "amqp")
            self._connection, self._publisher = connection, Publisher(connection)
        return self._publisher

    def close(self) -> None:
        """Drop the broker connection (the next round reconnects)."""
        connection, self._connection, self._publisher = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # the connection may be broken already
                pass

    def publish_pending(self) -> int:
        """Publish one batch of pending events; return how many were published."""
        return self.drain(max_batches=1)

    def drain(self, max_batches: int | None = None, stop: threading.Event | None = None) -> int:
        """Publish pending events until none are left (or `max_batches`, or `stop` is set: the batches sent
        are then confirmed and committed, and no other is claimed); return how many were published.

        On PostgreSQL the next batch is claimed and sent while the broker still confirms the one before
        (two transactions in flight), so neither the database nor the broker waits for the other. A
        batch is committed only after the broker confirmed it and every batch sent before it.
        """
        publisher = self._ensure_publisher()
        depth = self.in_flight if self.sessions.kw["bind"].dialect.name == "postgresql" else 1
        in_flight: deque[_Batch] = deque()
        published = batches = 0
        session: Session | None = None
        try:
            while True:
                rows: list[Row] = []
                if _may_claim(batches, max_batches, stop):
                    session = self.sessions()
                    rows = self._send_next(publisher, session, in_flight)
                    if rows:
                        batches += 1
                    session = None
                while in_flight and (len(in_flight) >= depth or not rows):
                    published += self._commit_oldest(publisher, in_flight)
                if not rows and not in_flight:
                    return published
        except BaseException:
            # Nothing of an unconfirmed batch is committed: its rows stay pending and go out again.
            _roll_back([session, *(entry[0] for entry in in_flight)])
            raise

    def _send_next(self, publisher: Publisher, session: Session, in_flight: deque[_Batch]) -> list[Row]:
        """Claim the next batch in `session` and send it, marked published in that (open) transaction, which
        joins `in_flight`; no rows: the session is closed. The rows sent, if any."""
        rows = self._claim(session, [row.id for _, held, _ in in_flight for row in held])
        if not rows:
            session.close()
            return rows
        last = publisher.send([Outgoing(topology.EVENTS.name, row.type, row.body, row.event_id) for row in rows])
        # Marked while the broker stores them; committed only once they are confirmed.
        session.execute(update(outbox).where(among(session, outbox.c.id, [row.id for row in rows]))
                        .values(published_at=datetime.now(UTC)))
        in_flight.append((session, rows, last))
        return rows

    def _commit_oldest(self, publisher: Publisher, in_flight: deque[_Batch]) -> int:
        """Wait until the broker confirmed the oldest batch in flight (and so every one sent before it), commit
        it and count it; how many events it held."""
        session, held, last = in_flight[0]
        publisher.wait_for_confirms(up_to=last)
        session.commit()
        session.close()
        in_flight.popleft()
        for type_, count in Counter(row.type for row in held).items():
            metrics.EVENTS_PUBLISHED.labels(self.service, type_).inc(count)
        return len(held)

    def _claim(self, session: Session, in_flight: list[int]) -> list[Row]:
        """Lock the oldest pending rows no other relay holds, keeping per-aggregate order."""
        claimed = session.execute(
            select(outbox.c.id, outbox.c.event_id, outbox.c.type, outbox.c.subject, outbox.c.body)
            .where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(self.batch_size)
            .with_for_update(skip_locked=True)).all()
        rows = in_aggregate_order(session, claimed, in_flight)
        if not rows:
            session.rollback()
        return rows

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set, backing off (up to max_backoff) while anything fails."""
        backoff = self.poll_interval
        while not stop.is_set():
            try:
                self.drain(stop=stop)  # a long backlog must not hold up a shutdown
                backoff = self.poll_interval
                stop.wait(self.poll_interval)
            except Exception as exc:  # anything failing means: wait, reconnect, retry
                metrics.RELAY_ERRORS.labels(self.service).inc()
                log.warning("relay round failed (%s: %s); retrying in %.1fs", type(exc).__name__, exc, backoff)
                self.close()
                stop.wait(backoff)
                backoff = min(max(backoff * 2, 0.5), self.max_backoff)
        self.close()
