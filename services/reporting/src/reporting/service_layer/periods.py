"""The period a report covers and the time series inside it (months, weeks) read from the tallies."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader

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


@tally_reader.once_per_session(lambda found: {label: {key: list(value) for key, value in keys.items()}
                                               for label, keys in found.items()})
def series(session: Session, report: str, period: Period, bucket: str = "month", key1: str | None = None,
           by_key: str | None = None) -> dict[str, dict[str, list[int]]]:
    """{bucket label: {key: [count, amount]}} of `report` inside the period, by month or ISO week.

    Whole months are read from the monthly rows, the rest from the daily rows. `key1` keeps one value of
    key1; `by_key` ("key1" or "key2") splits each bucket by that key ("" when not split).
    """
    label_of = month_label if bucket == "month" else week_label
    result: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for day, key, count, amount in tally_reader.by_day(session, report, period.start, period.end, period.stores,
                                                       whole_months=bucket == "month", key1=key1, by_key=by_key):
        cell = result[label_of(day)][key]
        cell[0] += count
        cell[1] += amount
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


@tally_reader.once_per_session(dict)
def lost_by_month(session: Session, period: Period, kind: str | None = None) -> dict[str, int]:
    """Customers whose last visit was 6 months before each month of the period (none since): lost that month.

    One read of the daily rows of the shifted period, put into the months they make lost.
    """
    shift = timedelta(days=LOST_AFTER_DAYS)
    result = {month_label(month): 0 for month in period.months()}
    for day, count in tally_reader.last_visits_by_day(session, period.start - shift, period.end - shift,
                                                      period.stores, kind):
        result[month_label(day + shift)] += count
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
