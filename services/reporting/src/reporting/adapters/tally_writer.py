"""Writing the pre-aggregated tallies (their reads: reporting.adapters.tally_reader).

Changes gather in the session (`add`) and go to the database in one upsert per transaction, just before
it commits, with the day's, the month's and the year's row each adding the change. A consumer applying
hundreds of events in one transaction thus touches each figure once.
"""
from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import BigInteger, Date, String, Text, bindparam, cast, column, event, func, select, update
from sqlalchemy.orm import Session

from reporting.adapters.tables import freshness, tallies
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
_TYPES = {"report": String, "grain": String, "day": Date, "store_id": String, "key1": String, "key2": String,
          "count": BigInteger, "amount": BigInteger}


@functools.cache
def _postgres_upsert():
    """INSERT … SELECT FROM json_to_recordset(every row as one JSON text) … ON CONFLICT: one statement, one
    parameter. (One array parameter per column cost more to encode, element by element, than the upsert took
    in the database: orjson does it in one call.)

    Built from the table (not as text) so a rebuild's schema translation applies to it.
    """
    from sqlalchemy.dialects.postgresql import JSON, insert

    changes = (func.json_to_recordset(cast(bindparam("rows", type_=Text), JSON))
               .table_valued(*(column(name, kind()) for name, kind in _TYPES.items()))
               .render_derived(name="changes", with_types=True))
    # in key order, so that two writers lock the rows they share in the same order
    statement = insert(tallies).from_select(list(_TYPES), select(*(changes.c[name] for name in _TYPES))
                                            .order_by(*(changes.c[name] for name in _KEY)))
    return statement.on_conflict_do_update(
        index_elements=list(_KEY), set_={"count": tallies.c.count + statement.excluded.count,
                                         "amount": tallies.c.amount + statement.excluded.amount})


def _as_json(values: list[dict]) -> str:
    # orjson writes dates as ISO days itself, in about a fifth of json.dumps's time with a `default` for them
    return orjson.dumps(values).decode()


def _write(session: Session, values: list[dict]) -> None:
    """Add `values` to the tallies: insert the rows that are new, add to those that exist."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_postgres_upsert(), {"rows": _as_json(values)})
        return
    from sqlalchemy.dialects.sqlite import insert

    statement = insert(tallies)
    session.execute(statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={"count": tallies.c.count + statement.excluded.count,
              "amount": tallies.c.amount + statement.excluded.amount}), values)


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
        values = grain_rows(pending)
        if values:
            _write(session, values)
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


@event.listens_for(Session, "before_commit")
def _flush_before_commit(session: Session) -> None:
    if session.info.get(_PENDING) or session.info.get(_APPLIED):
        flush(session)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    for name in (_PENDING, _NEWEST, _APPLIED):
        session.info.pop(name, None)
