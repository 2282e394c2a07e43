"""Reading the pre-aggregated tallies (their writes: reporting.adapters.tally_writer).

Every read adds the changes not folded into the tallies yet (`tally_changes`, day rows) to the tallies' own
rows, in the same statement: a figure is exact whether or not the folder has caught up. `totals` sums a
report's rows over a date range from whole years' rows, whole months' rows and the edge days' rows, so a
range costs about (years + 24 months + 62 days) × keys rows whatever the number of customers, and "since the
beginning" is as cheap as a year. `by_day` reads the rows a time series is cut from, `last_visits_by_day` the
daily rows the churn trend shifts into months.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session

from reporting.adapters.tables import freshness, tallies, tally_changes


def _ranges(start: date, end: date) -> tuple[list[tuple[date, date]], list[tuple[date, date]]]:
    """([month rows' range], [day rows' ranges]) covering start..end inclusive."""
    first_full = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = end + timedelta(days=1)
    last_full_end = after.replace(day=1)  # months before this one are whole if they start at or after first_full
    if first_full >= last_full_end:
        return [], [(start, end)]
    days = []
    if start < first_full:
        days.append((start, first_full - timedelta(days=1)))
    if last_full_end <= end:
        days.append((last_full_end, end))
    return [(first_full, last_full_end - timedelta(days=1))], days


def cover(start: date, end: date) -> list[tuple[str, date, date]]:
    """(grain, first, last) pieces covering start..end: whole years, then whole months, then days."""
    months, days = _ranges(start, end)
    pieces = [("D", low, high) for low, high in days]
    for low, high in months:
        first_year = low if low.month == 1 else date(low.year + 1, 1, 1)
        after_years = date(high.year + 1, 1, 1) if high.month == 12 else date(high.year, 1, 1)
        if first_year >= after_years:
            pieces.append(("M", low, high))
            continue
        pieces.append(("Y", first_year, after_years - timedelta(days=1)))
        if low < first_year:
            pieces.append(("M", low, first_year - timedelta(days=1)))
        if after_years <= high:
            pieces.append(("M", after_years, high))
    return pieces


def once_per_session(copy: Callable[[Any], Any]):
    """`function(session, *args)` read once per session for the same arguments (a report, or the monthly
    summary of six, asks some figures more than once: the same read answers them all), each caller given
    its own `copy` of the answer. A web request has a session of its own: nothing is kept from one request
    to the next."""
    def decorate(function):
        name = f"reporting.once.{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def read(session: Session, *args: Any, **kwargs: Any) -> Any:
            known: dict = session.info.setdefault(name, {})
            key = (args, tuple(sorted(kwargs.items())))
            if key not in known:
                known[key] = function(session, *args, **kwargs)
            return copy(known[key])

        return read

    return decorate


def copy_rows(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


def _sums(report: str, pieces: list[tuple[str, date, date]], start: date, end: date, by: list[str],
          stores: tuple[str, ...] | None, key1: str | None = None):
    """One statement (one snapshot, so a fold committing meanwhile is seen whole or not at all): the sums by
    the columns `by` of the tallies' rows of `pieces` ((grain, first day, last day) each), then those of the
    changes of start..end not folded yet. A group may come twice, once from each: the caller adds them up.
    (Each part is summed on its own: summing the two parts' rows together cost 10-15 % more.)"""
    def summed(table, condition):
        columns = [table.c[name] for name in by]
        query = (select(*columns, func.sum(table.c.count).label("count"), func.sum(table.c.amount).label("amount"))
                 .where(table.c.report == report, condition).group_by(*columns))
        if key1 is not None:
            query = query.where(table.c.key1 == key1)
        if stores is not None:
            query = query.where(table.c.store_id.in_(stores))
        return query

    kept = or_(*((tallies.c.grain == grain) & tallies.c.day.between(low, high) for grain, low, high in pieces))
    return union_all(summed(tallies, kept), summed(tally_changes, tally_changes.c.day.between(start, end)))


@once_per_session(copy_rows)
def totals(session: Session, report: str, start: date, end: date, stores: tuple[str, ...] | None = None,
           by: Iterable[str] = ("key1", "key2"), grain_of_day: bool = False) -> list[Mapping[str, Any]]:
    """Rows {by…, count, amount} of `report` summed over start..end (inclusive), over `stores` (None: all),
    in the order of their keys; keys that sum to nothing left out.

    Whole years come from the yearly rows, whole months from the monthly rows, the rest from the daily
    rows; with `grain_of_day` every day row is read instead.
    """
    names = list(by)
    pieces = [("D", start, end)] if grain_of_day else cover(start, end)
    summed: dict[tuple, list[int]] = {}
    for row in session.execute(_sums(report, pieces, start, end, names, stores)):
        total = summed.setdefault(tuple(row[:len(names)]), [0, 0])
        total[0] += int(row[-2])  # (not row.count: a Row is a tuple, and that is its method)
        total[1] += int(row[-1])
    return [{**dict(zip(names, key, strict=True)), "count": count, "amount": amount}
            for key, (count, amount) in sorted(summed.items()) if count or amount]


@once_per_session(dict)
def read_freshness(session: Session) -> dict[str, Any]:
    """{last_event_time, last_applied_at, events_applied} of the read model."""
    row = session.execute(select(freshness)).first()
    if row is None:
        return {"last_event_time": None, "last_applied_at": None, "events_applied": 0}
    applied_at = as_utc(row.last_applied_at)
    return {"last_event_time": row.last_event_time,
            "last_applied_at": applied_at.isoformat() if applied_at else None,
            "events_applied": int(row.events_applied)}


def by_day(session: Session, report: str, start: date, end: date, stores: tuple[str, ...] | None,
           whole_months: bool, key1: str | None = None, by_key: str | None = None) -> list[tuple[date, str, int, int]]:
    """(day, key, count, amount) rows of `report` over start..end: with `whole_months`, whole months from the
    monthly rows (day = the 1st) and the rest from the daily rows, else every daily row. `key1` keeps one value
    of key1; `by_key` ("key1" or "key2") splits the rows by that key ("" when not split). A day may come in more
    than one row: the caller adds them up."""
    months, days = _ranges(start, end) if whole_months else ([], [(start, end)])
    pieces = [("M", low, high) for low, high in months] + [("D", low, high) for low, high in days]
    by = ["day"] + ([by_key] if by_key else [])
    return [(_day(row.day), row[1] if by_key else "", int(row[-2]), int(row[-1]))
            for row in session.execute(_sums(report, pieces, start, end, by, stores, key1))]


def last_visits_by_day(session: Session, start: date, end: date, stores: tuple[str, ...] | None,
                       kind: str | None = None) -> list[tuple[date, int]]:
    """(day, customers whose last visit was that day) over start..end, of customers of `kind` (None: any); a
    day may come in more than one row: the caller adds them up."""
    return [(_day(row.day), int(row[-2]))
            for row in session.execute(_sums("last_visit", [("D", start, end)], start, end, ["day"], stores, kind))]


def _day(value: Any) -> date:
    """A DATE column's value (SQLite may hand back text)."""
    return value if isinstance(value, date) else datetime.fromisoformat(str(value)).date()
