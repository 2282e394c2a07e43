"""Working time: a business calendar (working days and hours in a time zone) and the clock arithmetic
the SLA needs — how much working time lies between two moments, and when a budget of working time runs
out, with pauses (while the complaint waits on the customer) not counted.

Which days are working days is a function given to the calendar (adapters/holidays.py builds it from the
python-holidays China calendar: public holidays and the adjusted working days, 调休), so this module stays
pure and its tests can use any calendar.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Working hours of a day: 09:00–12:00 and 13:00–18:00, eight hours (a lunch break between).
DEFAULT_HOURS = ((time(9), time(12)), (time(13), time(18)))
DEFAULT_TIMEZONE = "Asia/Shanghai"
#: No calendar leaves a year without a working day; searching further means the calendar is broken.
MAX_DAYS = 3660
_RANGE = re.compile(r"^\s*([01][0-9]|2[0-3]):([0-5][0-9])\s*-\s*([01][0-9]|2[0-4]):([0-5][0-9])\s*$")


@dataclass(frozen=True)
class Pause:
    """A stretch during which the clock does not run (waiting on the customer); `end` None = still paused."""

    start: datetime
    end: datetime | None = None


def parse_hours(text: str) -> tuple[tuple[time, time], ...]:
    """'09:00-12:00,13:00-18:00' as ((09:00, 12:00), (13:00, 18:00)); ValueError naming what is wrong."""
    hours = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"working hours {part.strip()!r} must look like 09:00-12:00")
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        if end_h == 24 and end_m:
            raise ValueError(f"working hours {part.strip()!r} end after 24:00")
        start = time(start_h, start_m)
        end = time.max if end_h == 24 else time(end_h, end_m)
        if end <= start:
            raise ValueError(f"working hours {part.strip()!r} end before they start")
        hours.append((start, end))
    hours.sort()
    for (_, end), (start, _) in zip(hours, hours[1:], strict=False):
        if start < end:
            raise ValueError("working hours overlap")
    return tuple(hours)


class BusinessCalendar:
    """Working days and hours in one time zone; all arguments and results are aware datetimes."""

    def __init__(self, is_working_day: Callable[[date], bool], hours: Sequence[tuple[time, time]] = DEFAULT_HOURS,
                 timezone: str = DEFAULT_TIMEZONE) -> None:
        if not hours:
            raise ValueError("a business calendar needs working hours")
        self._is_working_day = is_working_day
        self.hours = tuple(hours)
        self.zone = ZoneInfo(timezone)
        self._days: dict[date, bool] = {}

    def is_working_day(self, day: date) -> bool:
        """True when `day` (a local date) is a working day."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = bool(self._is_working_day(day))
        return known

    @property
    def working_day(self) -> timedelta:
        """The working time of one working day."""
        day = date(2000, 1, 3)
        return sum((self._at(day, end) - self._at(day, start) for start, end in self.hours), timedelta())

    def is_working_time(self, moment: datetime) -> bool:
        """True when `moment` lies inside working hours of a working day (an interval's end counts as in)."""
        local = moment.astimezone(self.zone)
        if not self.is_working_day(local.date()):
            return False
        return any(self._at(local.date(), start) < moment <= self._at(local.date(), end) for start, end in self.hours)

    def _at(self, day: date, moment: time) -> datetime:
        if moment == time.max:
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        return datetime.combine(day, moment, tzinfo=self.zone)

    def _intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (local), in order, from the day of `start` on (at most MAX_DAYS days)."""
        day = start.astimezone(self.zone).date()
        for _ in range(MAX_DAYS):
            if self.is_working_day(day):
                for begin, end in self.hours:
                    yield self._at(day, begin), self._at(day, end)
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_DAYS} days of {start.isoformat()}")

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """The working time between `start` and `end` (zero when end <= start)."""
        total = timedelta()
        if end <= start:
            return total
        for begin, finish in self._intervals(start):
            if begin >= end:
                break
            overlap = min(finish, end) - max(begin, start)
            if overlap > timedelta():
                total += overlap
        return total

    def add(self, start: datetime, budget: timedelta) -> datetime:
        """The moment `budget` of working time after `start` is used up (in UTC).

        A zero budget is `start` itself; otherwise the answer always lies in working hours of a working day.
        """
        if budget <= timedelta():
            return start.astimezone(UTC)
        remaining = budget
        for begin, finish in self._intervals(start):
            if finish <= start:
                continue
            available = finish - max(begin, start)
            if remaining <= available:
                return (max(begin, start) + remaining).astimezone(UTC)
            remaining -= available
        raise AssertionError("unreachable: _intervals raises first")

    def deadline(self, start: datetime, budget: timedelta, pauses: Sequence[Pause] = ()) -> datetime | None:
        """When `budget` of working time from `start` runs out, not counting `pauses`; None while a pause
        that began before then is still open (the deadline is unknown until the clock runs again)."""
        cursor, remaining = start, budget
        for pause in sorted(pauses, key=lambda pause: pause.start):
            if pause.end is not None and pause.end <= cursor:
                continue
            if pause.start > cursor:
                worked = self.working_time(cursor, pause.start)
                if worked >= remaining:
                    return self.add(cursor, remaining)
                remaining -= worked
            if pause.end is None:
                return None
            cursor = max(cursor, pause.end)
        return self.add(cursor, remaining)

    def working_time_excluding(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> timedelta:
        """Working time between `start` and `end`, less what fell inside `pauses`."""
        total = self.working_time(start, end)
        for pause in pauses:
            total -= self.working_time(max(start, pause.start), min(end, pause.end or end))
        return max(total, timedelta())
