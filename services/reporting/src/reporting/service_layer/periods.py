"""The period a report covers and the time series inside it (months, weeks) read from the tallies."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reporting.adapters import tallies
from reporting.adapters.tables import tallies as tally_table
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

EPOCH = date(2000, 1, 1)
LOST_AFTER_DAYS = 183  # no visit in 6 months: a lost customer (流失客户) [000][002]


@dataclass(frozen=True)
class Period:
    """A report's date range (local dates, both ends included) and the stores whose figures it sums.

    `stores` is a sorted tuple of store ids, or None for the whole dealer group.
    """

    start: date
    end: date
    stores: tuple[str, ...] | None = None

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = next_month(month)
        return months

    def describe(self) -> dict:
        """The period as reports echo it: `stores` the stores summed (null: the whole group), `store` the one
        store when there is exactly one."""
        one = self.stores[0] if self.stores is not None and len(self.stores) == 1 else None
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "store": one,
                "stores": None if self.stores is None else list(self.stores)}


def next_month(month: date) -> date:
    """The first day of the month after `month`."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_label(day: date) -> str:
    """2026-10."""
    return day.strftime("%Y-%m")


def week_label(day: date) -> str:
    """The ISO week of `day`, e.g. 2026-W43."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def default_period(today: date, start: date | None, end: date | None, stores: tuple[str, ...] | None) -> Period:
    """`start`..`end`, by default the twelve months up to today."""
    end = end or today
    if start is None:
        first = end.replace(day=1)
        for _ in range(11):
            first = (first - timedelta(days=1)).replace(day=1)
        start = first
    return Period(start, end, stores)


@tallies.once_per_session(lambda found: {label: {key: list(value) for key, value in keys.items()}
                                          for label, keys in found.items()})
def series(session: Session, report: str, period: Period, bucket: str = "month", key1: str | None = None,
           by_key: str | None = None) -> dict[str, dict[str, list[int]]]:
    """{bucket label: {key: [count, amount]}} of `report` inside the period, by month or ISO week.

    Whole months are read from the monthly rows, the rest from the daily rows. `key1` keeps one value of
    key1; `by_key` ("key1" or "key2") splits each bucket by that key ("" when not split).
    """
    key_column = tally_table.c[by_key] if by_key else None
    columns = [tally_table.c.grain, tally_table.c.day] + ([key_column] if key_column is not None else [])
    if bucket == "month":
        months, days = tallies._ranges(period.start, period.end)
    else:
        months, days = [], [(period.start, period.end)]
    clauses = [(tally_table.c.grain == "M") & tally_table.c.day.between(low, high) for low, high in months]
    clauses += [(tally_table.c.grain == "D") & tally_table.c.day.between(low, high) for low, high in days]
    query = (select(*columns, func.sum(tally_table.c.count), func.sum(tally_table.c.amount))
             .where(tally_table.c.report == report, or_(*clauses)).group_by(*columns))
    if key1 is not None:
        query = query.where(tally_table.c.key1 == key1)
    if period.stores is not None:
        query = query.where(tally_table.c.store_id.in_(period.stores))
    result: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in session.execute(query):
        day = row.day if isinstance(row.day, date) else datetime.fromisoformat(str(row.day)).date()
        label = month_label(day) if bucket == "month" else week_label(day)
        key = row[2] if key_column is not None else ""
        cell = result[label][key]
        cell[0] += int(row[-2])
        cell[1] += int(row[-1])
    labels = [month_label(m) for m in period.months()] if bucket == "month" else _weeks(period)
    return {label: {key: value for key, value in result.get(label, {}).items() if value != [0, 0]}
            for label in labels}


def _weeks(period: Period) -> list[str]:
    """The ISO weeks the period touches, in order: one step per week, not per day."""
    labels, day = [], period.start
    while day <= period.end:
        labels.append(week_label(day))
        day += timedelta(days=7 - day.weekday())  # the Monday after
    return labels


@tallies.once_per_session(dict)
def lost_by_month(session: Session, period: Period, kind: str | None = None) -> dict[str, int]:
    """Customers whose last visit was 6 months before each month of the period (none since): lost that month.

    One read of the daily rows of the shifted period, put into the months they make lost.
    """
    shift = timedelta(days=LOST_AFTER_DAYS)
    query = (select(tally_table.c.day, func.sum(tally_table.c.count))
             .where(tally_table.c.report == "last_visit", tally_table.c.grain == "D",
                    tally_table.c.day.between(period.start - shift, period.end - shift))
             .group_by(tally_table.c.day))
    if kind is not None:
        query = query.where(tally_table.c.key1 == kind)
    if period.stores is not None:
        query = query.where(tally_table.c.store_id.in_(period.stores))
    result = {month_label(month): 0 for month in period.months()}
    for day, count in session.execute(query):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        result[month_label(day + shift)] += int(count)
    return result


def rate(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places, None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def grouped(rows: Iterable[dict], key: str = "key1") -> dict[str, list[dict]]:
    """Rows grouped by one of their keys."""
    result: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        result[row[key]].append(row)
    return result
