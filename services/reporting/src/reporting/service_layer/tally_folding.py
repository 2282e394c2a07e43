"""Folding the changes the consumer appends (on PostgreSQL) into the tallies, beside the consumer.

Each transaction of the consumer appends what it changed to `tally_changes` (one row per figure and day)
instead of adding it to the day's, month's and year's rows in place: an append costs the consumer about a
third of the upsert, and the upserts move here, to a thread of the consumer's process whose work is
PostgreSQL's (reporting.adapters.tally_writer.fold). Reports add what is not folded yet, so a figure is
exact at any time; folding only keeps what they add small. While the consumer applies a backlog, folding
waits (up to DEFERRED_UP_TO changes) and catches up after it: folding is most of the database's work an event.
"""
from __future__ import annotations

import logging
import threading

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from reporting.adapters import tally_writer
from reporting.metrics import TALLY_CHANGES_FOLDED

log = logging.getLogger(__name__)
#: Changes moved per transaction: a few tenths of a second of the database's time, so that a rebuild's swap
#: (which waits a quarter of a second for the tables' locks, then tries again) finds a gap between two.
FOLD_LIMIT = 5_000
#: Seconds between two looks when nothing was waiting.
REST = 1.0
#: The longest pause after failures in a row (the database away, say).
MAX_BACKOFF = 30.0


def fold_some(sessions: sessionmaker[Session], limit: int = FOLD_LIMIT) -> int:
    """Move up to `limit` of the oldest changes into the tallies, in one transaction; how many it moved."""
    with unit_of_work(sessions) as session:
        moved = tally_writer.fold(session, limit)
    TALLY_CHANGES_FOLDED.inc(moved)
    return moved


def fold_all(sessions: sessionmaker[Session]) -> int:
    """Fold until no change is left (that another folder is not folding); how many were moved."""
    total = 0
    while (moved := fold_some(sessions)) > 0:
        total += moved
    return total


#: Changes `waiting` counts at most.
COUNTED_UP_TO = 1_000_000


def waiting(sessions: sessionmaker[Session]) -> int:
    """How many changes wait to be folded (up to COUNTED_UP_TO): near 0 while the folder keeps up."""
    with unit_of_work(sessions) as session:
        return tally_writer.waiting(session, COUNTED_UP_TO)


#: While the consumer is behind, folding waits until about this many changes wait (a backlog of about 30,000
#: events): a report reads what is not folded yet beside the tallies, which costs it more the more there is; below
#: the 100,000 of the TallyChangesNotFolded alert (deploy/prometheus/alerts.yml), which a long backlog must not set off.
DEFERRED_UP_TO = 80_000


def deferring(sessions: sessionmaker[Session], behind: threading.Event | None) -> bool:
    """Whether folding waits now: the consumer is behind (deliveries wait beyond the batch it applies) and fewer
    than DEFERRED_UP_TO changes wait. Applying the backlog first gives it the machine, the database included
    (folding is most of the database's work an event); the reports stay exact meanwhile, and the folder catches
    up once the consumer has."""
    if behind is None or not behind.is_set():
        return False
    with unit_of_work(sessions) as session:
        return tally_writer.waiting(session, DEFERRED_UP_TO) < DEFERRED_UP_TO


def keep_folding(sessions: sessionmaker[Session], stop: threading.Event,
                 behind: threading.Event | None = None) -> None:
    """Fold until `stop` is set: straight on while changes are waiting, else once every REST seconds; while the
    consumer is `behind`, only once DEFERRED_UP_TO changes wait (`deferring`). A failure is logged and tried
    again after a pause that grows with each one in a row."""
    failures = 0
    while not stop.is_set():
        try:
            if deferring(sessions, behind):
                stop.wait(REST)
                continue
            moved = fold_some(sessions)
        except Exception:
            failures += 1
            log.exception("folding the tallies' changes failed (%d in a row); trying again", failures)
            stop.wait(min(REST * 2 ** failures, MAX_BACKOFF))
            continue
        failures = 0
        if moved < FOLD_LIMIT:
            stop.wait(REST)
