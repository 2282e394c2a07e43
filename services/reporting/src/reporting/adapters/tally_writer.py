"""Writing the pre-aggregated tallies (their reads: reporting.adapters.tally_reader).

Changes gather in the session (`add`) and go to the database in one statement per transaction, just before
it commits. On PostgreSQL that statement appends the day's changes to `tally_changes`, and `fold` later moves
them into the tallies, adding each to its day's, month's and year's row in one set-based upsert (a folder
does it in the background: reporting.service_layer.tally_folding); readers add what is not folded yet. On
SQLite the transaction adds to the three rows itself.
"""
from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from servicekit.db import copy_rows
from sqlalchemy import (
    Date,
    DateTime,
    String,
    bindparam,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from reporting.adapters.tables import freshness, tallies, tally_changes
from reporting.domain.contributions import Contribution

_PENDING = "reporting.tallies"
_NEWEST = "reporting.newest_event"
_APPLIED = "reporting.events_applied"


def add(session: Session, changes: Contribution) -> None:
    """Add `changes` to the session's pending tally changes (written when the transaction commits)."""
    if not changes:
        return
    pending: dict = session.info.setdefault(_PENDING, {})
    for key, (count, amount) in changes.items():
        old = pending.get(key, (0, 0))
        pending[key] = (old[0] + count, old[1] + amount)


def note_event(session: Session, time: str) -> None:
    """Remember that an event of this `time` was applied in the session's transaction (freshness)."""
    newest = session.info.get(_NEWEST)
    if newest is None or time > newest:
        session.info[_NEWEST] = time
    session.info[_APPLIED] = session.info.get(_APPLIED, 0) + 1


_KEY = ("report", "grain", "day", "store_id", "key1", "key2")
_CHANGE = ("report", "day", "store_id", "key1", "key2", "count", "amount")


def _upsert(statement):
    """`statement` (an INSERT INTO tallies … SELECT) adding to the rows that exist instead of failing on them."""
    return statement.on_conflict_do_update(
        index_elements=list(_KEY), set_={"count": tallies.c.count + statement.excluded.count,
                                         "amount": tallies.c.amount + statement.excluded.amount})


@functools.cache
def _postgres_fold():
    """Up to :limit changes taken out of tally_changes (rows another folder holds skipped) and added to their
    day's, month's and year's rows of `tallies`, in one statement answering how many it moved: summed per row
    first, then written in key order, so that two folders lock the rows they share in the same order."""
    from sqlalchemy.dialects.postgresql import insert

    oldest = (select(tally_changes.c.seq).order_by(tally_changes.c.seq).limit(bindparam("limit"))
              .with_for_update(skip_locked=True))
    moved = (delete(tally_changes).where(tally_changes.c.seq.in_(oldest))
             .returning(*(tally_changes.c[name] for name in _CHANGE)).cte("moved"))
    keys = (moved.c.store_id, moved.c.key1, moved.c.key2, moved.c.count, moved.c.amount)

    def at(grain: str, day):
        return select(moved.c.report, literal(grain, String).label("grain"), day.label("day"), *keys)

    def starting(unit: str):
        return cast(func.date_trunc(unit, cast(moved.c.day, DateTime)), Date)

    rows = union_all(at("D", moved.c.day), at("M", starting("month")), at("Y", starting("year"))).subquery("grains")
    key = [rows.c[name] for name in _KEY]
    summed = (select(*key, func.sum(rows.c.count), func.sum(rows.c.amount)).group_by(*key)
              .having(or_(func.sum(rows.c.count) != 0, func.sum(rows.c.amount) != 0)).order_by(*key))
    written = _upsert(insert(tallies).from_select([*_KEY, "count", "amount"], summed)).cte("written")
    return select(func.count()).select_from(moved).add_cte(written)


def fold(session: Session, limit: int) -> int:
    """Move up to `limit` of the oldest changes into the tallies (PostgreSQL); how many were moved."""
    return session.execute(_postgres_fold(), {"limit": limit}).scalar_one() if _postgres(session) else 0


def waiting(session: Session, cap: int) -> int:
    """How many changes wait to be folded, counted up to `cap` (a scrape never counts a stalled folder's
    millions)."""
    return session.execute(select(func.count()).select_from(select(tally_changes.c.seq).limit(cap).subquery())
                           ).scalar_one()


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _write(session: Session, changes: Contribution) -> None:
    """Add `changes` to the tallies: on PostgreSQL appended for `fold`, elsewhere added to their rows here."""
    if _postgres(session):
        copy_rows(session, tally_changes, _CHANGE, ((*key, count, amount) for key, (count, amount) in changes.items()
                                                   if count or amount))
        return
    values = grain_rows(changes)
    if not values:
        return
    from sqlalchemy.dialects.sqlite import insert

    session.execute(_upsert(insert(tallies)), values)


def grain_rows(changes: Contribution) -> list[dict[str, Any]]:
    """The rows of `tallies` that `changes` add to: each change counts in its day's, month's and year's row
    (rows that cancel out left out)."""
    rows: dict[tuple, list[int]] = {}
    for (report, day, store, key1, key2), (count, amount) in changes.items():
        if (count, amount) == (0, 0):
            continue
        for grain, at in (("D", day), ("M", day.replace(day=1)), ("Y", day.replace(month=1, day=1))):
            row = rows.setdefault((report, grain, at, store, key1, key2), [0, 0])
            row[0] += count
            row[1] += amount
    return [{"report": k[0], "grain": k[1], "day": k[2], "store_id": k[3], "key1": k[4], "key2": k[5],
             "count": v[0], "amount": v[1]} for k, v in rows.items() if v != [0, 0]]


def flush(session: Session) -> None:
    """Write the session's pending tally changes and freshness now (called before every commit)."""
    pending: dict | None = session.info.pop(_PENDING, None)
    newest = session.info.pop(_NEWEST, None)
    applied = session.info.pop(_APPLIED, 0)
    if pending:
        _write(session, pending)
    if applied:
        current = session.execute(select(freshness.c.last_event_time).where(freshness.c.id == 1)).first()
        changes: dict[str, Any] = {"last_applied_at": datetime.now(UTC),
                                   "events_applied": freshness.c.events_applied + applied}
        if current is None:
            session.execute(freshness.insert().values(id=1, last_event_time=newest, events_applied=applied,
                                                      last_applied_at=datetime.now(UTC)))
            return
        if newest and (current.last_event_time is None or newest > current.last_event_time):
            changes["last_event_time"] = newest
        session.execute(update(freshness).where(freshness.c.id == 1).values(**changes))


def forget(session: Session) -> None:
    """Drop the session's pending changes (after a rollback)."""
    for name in (_PENDING, _NEWEST, _APPLIED):
        session.info.pop(name, None)
