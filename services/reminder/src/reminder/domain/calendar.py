"""Date arithmetic the rules need: month ends, anniversaries (29 February), local times, quiet hours."""
from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def add_months(day: date, months: int) -> date:
    """`day` moved by `months`, kept inside the target month (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years; 29 February falls on 28 February in a common year."""
    return add_months(day, 12 * years)


def occurrence_in(anchor: date, year: int) -> date:
    """The anniversary of `anchor` in `year` (a 29 February birthday is kept on 28 February in common years)."""
    return add_years(anchor, year - anchor.year)


def next_anniversary(anchor: date, on_or_after: date, min_years: int = 0) -> date:
    """The first anniversary of `anchor` on or after `on_or_after`, at least `min_years` after it."""
    year = max(on_or_after.year, anchor.year + min_years)
    candidate = occurrence_in(anchor, year)
    if candidate < on_or_after:
        candidate = occurrence_in(anchor, year + 1)
    return candidate


def parse_clock(text: str) -> time:
    """`HH:MM` as a time."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at the local clock time `at` in `zone`, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of `moment` where the business is."""
    return moment.astimezone(zone).date()


def in_quiet_hours(clock: time, start: time, end: time) -> bool:
    """True when `clock` is inside the quiet window [start, end); a window with start > end wraps past midnight."""
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def after_quiet_hours(moment: datetime, start: time, end: time, zone: ZoneInfo) -> datetime:
    """`moment` itself when it is outside the quiet hours, else the end of those quiet hours (UTC)."""
    local = moment.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return moment
    day = local.date()
    if start > end and local.time() >= start:  # late evening: quiet until tomorrow morning
        day += timedelta(days=1)
    return local_moment(day, end, zone)
