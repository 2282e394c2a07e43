"""Rebuilding the read model from every producer's stored events, then swapping it in.

    python -m reporting rebuild          # 1. prepares a fresh copy and waits for the replays
    python -m customer replay --queue reporting.rebuild    # 2. each producer, once step 1 says it is ready
    python -m complaint replay --queue reporting.rebuild
    python -m reminder replay --queue reporting.rebuild

1. A fresh, empty copy of the read model is created (reporting.adapters.shadow) and the live database
   is marked "building": from then on the live consumer, besides applying each event as usual, keeps
   it in `rebuild_backlog`. The rebuild queue is emptied of anything an earlier attempt left.
2. The replayed events are applied to the copy by the same handlers, recorded in the copy's inbox under
   the live queue's name. Each producer's replay ends with a marker; once every expected producer's
   marker is applied, the copy holds every event published before its replay began.
3. The backlog (events the live consumer applied meanwhile) is applied to the copy (duplicates of the
   replay are skipped by the inbox), then, in one transaction that locks the live tables, what is left of
   it too, and the copy takes the live tables' place (`swap_in`: a swap that cannot have every lock within
   a quarter of a second gives them all back and is tried again, so it never deadlocks with a report or
   the consumer). The live consumer goes on from there: an event it
   had not applied yet is applied to the new read model, or skipped if the replay brought it already.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from kombu import Connection, Queue
from reporting.adapters.shadow import Shadow
from reporting.adapters.tables import rebuild_backlog, rebuild_state
from reporting.entrypoints.consumer import QUEUE
from reporting.service_layer.projection import apply_event, flush, prepare
from servicekit.consumer import Consumer, Subscription, apply_batch
from servicekit.db import inbox, make_session_factory, unit_of_work
from servicekit.events import Event, parse_event
from servicekit.replay import completed_type
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from servicekit import topology

log = logging.getLogger(__name__)
REBUILD_QUEUE = "reporting.rebuild"
DEFAULT_SOURCES = ("customer", "complaint", "reminder")


def replayed(session: Session, event: Event) -> None:
    """Apply a replayed event to the copy as the live consumer would have (markers only count)."""
    if event.type.endswith(".replay_completed.v1"):
        return
    if session.execute(select(inbox.c.event_id).where(inbox.c.queue == QUEUE, inbox.c.event_id == event.id)).first():
        return
    apply_event(session, event)
    session.execute(insert(inbox).values(queue=QUEUE, event_id=event.id, type=event.type, applied_at=_now()))


replayed.prepare = prepare  # type: ignore[attr-defined]


def _now() -> datetime:
    return datetime.now(UTC)


def sources_done(shadow_sessions, sources: tuple[str, ...]) -> set[str]:
    """The producers whose replay marker the copy has applied."""
    with unit_of_work(shadow_sessions) as session:
        types = set(session.execute(select(inbox.c.type).where(inbox.c.queue == REBUILD_QUEUE,
                                                               inbox.c.type.like("%.replay_completed.v1"))).scalars())
    return {source for source in sources if completed_type(source) in types}


def rebuild(database_url: str, connect: Callable[[], Connection], stop: threading.Event,
            sources: tuple[str, ...] = DEFAULT_SOURCES, prefetch: int = 200,
            on_ready: Callable[[], None] | None = None) -> bool:
    """Build a fresh read model from the replays of `sources` and swap it in; False if stopped first."""
    shadow = Shadow(database_url)
    live_sessions = make_session_factory(shadow.live)
    shadow_sessions = make_session_factory(shadow.translated)
    shadow.create()
    with unit_of_work(live_sessions) as session:
        session.execute(delete(rebuild_state))
        session.execute(delete(rebuild_backlog))
        session.execute(insert(rebuild_state).values(id=1, status="building", started_at=_now()))
    with connect() as connection:
        channel = connection.default_channel
        queue = Queue(REBUILD_QUEUE, durable=True, queue_arguments=topology.queue_arguments(
            REBUILD_QUEUE, connection.transport.driver_type == "amqp")).bind(channel)
        queue.declare()
        queue.purge()
    consumer = Consumer(shadow_sessions, [Subscription(REBUILD_QUEUE, (), replayed)], connect, prefetch=prefetch)
    consumer_stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(consumer_stop,), name="rebuild-consumer", daemon=True)
    thread.start()
    consumer.ready.wait(30)
    log.info("rebuild ready: replay %s to %s", ", ".join(sources), REBUILD_QUEUE)
    if on_ready is not None:
        on_ready()
    try:
        while not stop.is_set() and sources_done(shadow_sessions, sources) != set(sources):
            stop.wait(0.5)
    finally:
        consumer_stop.set()
        thread.join(30)
    if stop.is_set():
        with unit_of_work(live_sessions) as session:
            session.execute(delete(rebuild_state))
            session.execute(delete(rebuild_backlog))
        shadow.drop()
        log.info("rebuild abandoned")
        return False
    swap_in(shadow, _catch_up(shadow_sessions, live_sessions, 0))
    shadow.drop()
    log.info("rebuild swapped in")
    return True


#: SQLSTATEs of a swap that could not have the live tables' locks: lock_timeout, deadlock detected.
LOCK_CONFLICTS = ("55P03", "40P01")


def swap_in(shadow: Shadow, after: int, attempts: int = 200) -> None:
    """In one transaction holding the live tables: the rest of the backlog (after sequence number `after`)
    applied to the copy, and the copy in the live tables' place.

    A swap that cannot lock every live table within Shadow's lock timeout (a report or the consumer holds
    one while waiting for another the swap holds) rolls back, letting go of all of them, and is tried again
    after a short, growing, random pause: up to `attempts` times (a minute or so of busy tables).
    """
    for attempt in range(1, attempts + 1):
        try:
            _swap_once(shadow, after)
            return
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in LOCK_CONFLICTS or attempt == attempts:
                raise
            log.info("swap attempt %d could not lock the live tables (%s); trying again", attempt,
                     type(exc.orig).__name__)
            time.sleep(random.uniform(0.01, min(0.05 * attempt, 0.5)))


def _swap_once(shadow: Shadow, after: int) -> None:
    with shadow.engine.connect() as connection, connection.begin():
        shadow.lock_live(connection)  # the live consumer finishes its transaction, then waits for the swap
        # The live tables first: translating the schema (below) changes `connection` itself, after which
        # these statements would read and clear the copy's empty backlog and state instead of the live ones.
        backlog = _backlog(connection, after, limit=None)
        connection.execute(delete(rebuild_state))
        connection.execute(delete(rebuild_backlog))
        session = Session(bind=connection.execution_options(schema_translate_map={None: shadow.schema}))
        for row in backlog:
            replayed(session, parse_event(row.body))
        flush(session)
        session.execute(delete(inbox).where(inbox.c.queue == REBUILD_QUEUE))
        shadow.swap(connection)


def _backlog(session_or_connection, after: int, limit: int | None = 500) -> list:
    """The live consumer's backlog after sequence number `after`, oldest first."""
    query = (select(rebuild_backlog.c.seq, rebuild_backlog.c.queue, rebuild_backlog.c.body)
             .where(rebuild_backlog.c.seq > after).order_by(rebuild_backlog.c.seq))
    return session_or_connection.execute(query if limit is None else query.limit(limit)).all()


def _catch_up(shadow_sessions, live_sessions, after: int) -> int:
    """Apply the live consumer's backlog to the copy (outside the swap, so the swap has little left)."""
    while True:
        with unit_of_work(live_sessions) as session:
            rows = _backlog(session, after)
        if not rows:
            return after
        apply_batch(shadow_sessions, [(row.queue, parse_event(row.body), apply_event) for row in rows])
        after = rows[-1].seq
