"""Rebuilding the read model from every producer's stored events, then swapping it in.

    python -m reporting rebuild          # 1. prepares a fresh copy and waits for the replays
    python -m customer replay --queue reporting.rebuild    # 2. each producer, once step 1 says it is ready
    python -m complaint replay --queue reporting.rebuild
    python -m reminder replay --queue reporting.rebuild

1. A fresh, empty copy of the read model is created (reporting.adapters.rebuild_copy) and the live database
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

from servicekit.config import DEFAULT_PREFETCH
from servicekit.consumer import apply_batch
from servicekit.db import make_session_factory, unit_of_work
from servicekit.events import Event, parse_event
from servicekit.replay import completed_type
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from reporting.adapters import rebuild_state
from reporting.adapters.rebuild_copy import RebuildCopy
from reporting.adapters.rebuild_queue import REBUILD_QUEUE, RebuildQueue
from reporting.service_layer.projection import LIVE_QUEUE, apply_event, flush, prepare
from reporting.service_layer.tally_folding import fold_all

log = logging.getLogger(__name__)
DEFAULT_SOURCES = ("customer", "complaint", "reminder")
__all__ = ["DEFAULT_SOURCES", "REBUILD_QUEUE", "rebuild", "replayed", "swap_in"]


def replayed(session: Session, event: Event) -> None:
    """Apply a replayed event to the copy as the live consumer would have (markers only count)."""
    if event.type.endswith(".replay_completed.v1"):
        return
    if rebuild_state.applied(session, LIVE_QUEUE, event.id):
        return
    apply_event(session, event)
    rebuild_state.note_applied(session, LIVE_QUEUE, event.id, event.type)


replayed.prepare = prepare  # type: ignore[attr-defined]


def sources_done(copy_sessions, sources: tuple[str, ...]) -> set[str]:
    """The producers whose replay marker the copy has applied."""
    with unit_of_work(copy_sessions) as session:
        types = rebuild_state.types_applied(session, REBUILD_QUEUE, "%.replay_completed.v1")
    return {source for source in sources if completed_type(source) in types}


def rebuild(database_url: str, connect: Callable, stop: threading.Event,
            sources: tuple[str, ...] = DEFAULT_SOURCES, prefetch: int = DEFAULT_PREFETCH, reader_process: bool = False,
            on_ready: Callable[[], None] | None = None) -> bool:
    """Build a fresh read model from the replays of `sources` (arriving on the bus `connect` reaches) and swap
    it in; False if stopped first. `prefetch` and `reader_process`: the consumer's (servicekit.consumer)."""
    copy = RebuildCopy(database_url)
    live_sessions = make_session_factory(copy.live)
    copy_sessions = make_session_factory(copy.translated)
    copy.create()
    with unit_of_work(live_sessions) as session:
        rebuild_state.start_building(session)
    queue = RebuildQueue(connect, prefetch, reader_process)
    queue.empty()
    with queue.consumed(copy_sessions, replayed):
        log.info("rebuild ready: replay %s to %s", ", ".join(sources), REBUILD_QUEUE)
        if on_ready is not None:
            on_ready()
        while not stop.is_set() and sources_done(copy_sessions, sources) != set(sources):
            stop.wait(0.5)
    if stop.is_set():
        with unit_of_work(live_sessions) as session:
            rebuild_state.stop_building(session)
        copy.drop()
        log.info("rebuild abandoned")
        return False
    caught_up = _catch_up(copy_sessions, live_sessions, 0)
    fold_all(copy_sessions)  # the copy's reports then read whole tallies from the start
    swap_in(copy, caught_up)
    copy.drop()
    log.info("rebuild swapped in")
    return True


#: SQLSTATEs of a swap that could not have the live tables' locks: lock_timeout, deadlock detected.
LOCK_CONFLICTS = ("55P03", "40P01")


def swap_in(copy: RebuildCopy, after: int, attempts: int = 200) -> None:
    """In one transaction holding the live tables: the rest of the backlog (after sequence number `after`)
    applied to the copy, and the copy in the live tables' place.

    A swap that cannot lock every live table within RebuildCopy's lock timeout (a report or the consumer holds
    one while waiting for another the swap holds) rolls back, letting go of all of them, and is tried again
    after a short, growing, random pause: up to `attempts` times (a minute or so of busy tables).
    """
    for attempt in range(1, attempts + 1):
        try:
            _swap_once(copy, after)
            return
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in LOCK_CONFLICTS or attempt == attempts:
                raise
            log.info("swap attempt %d could not lock the live tables (%s); trying again", attempt,
                     type(exc.orig).__name__)
            time.sleep(random.uniform(0.01, min(0.05 * attempt, 0.5)))


def _swap_once(copy: RebuildCopy, after: int) -> None:
    with copy.engine.connect() as connection, connection.begin():
        copy.lock_live(connection)  # the live consumer finishes its transaction, then waits for the swap
        # The live tables first: translating the schema (below) changes `connection` itself, after which
        # these statements would read and clear the copy's empty backlog and state instead of the live ones.
        backlog = rebuild_state.backlog(connection, after, limit=None)
        rebuild_state.stop_building(connection)
        session = Session(bind=connection.execution_options(schema_translate_map={None: copy.schema}))
        for row in backlog:
            replayed(session, parse_event(row.body))
        flush(session)
        rebuild_state.forget_queue(session, REBUILD_QUEUE)
        copy.swap(connection)


def _catch_up(copy_sessions, live_sessions, after: int) -> int:
    """Apply the live consumer's backlog to the copy (outside the swap, so the swap has little left)."""
    while True:
        with unit_of_work(live_sessions) as session:
            rows = rebuild_state.backlog(session, after)
        if not rows:
            return after
        apply_batch(copy_sessions, [(row.queue, parse_event(row.body), apply_event) for row in rows])
        after = rows[-1].seq
