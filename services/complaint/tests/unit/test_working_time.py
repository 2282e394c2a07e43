"""The working-time clock on the Chinese business calendar: concrete holiday cases (with their adjusted
working days) and properties checked on random cases."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from complaint.adapters.holidays import china_working_days
from complaint.domain.calendar import BusinessCalendar, Pause, parse_hours
from hypothesis import given, settings
from hypothesis import strategies as st

CALENDAR = BusinessCalendar(china_working_days())
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = 8 * 60


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def due(start: datetime, minutes: int, pauses=()) -> datetime:
    return CALENDAR.deadline(start, timedelta(minutes=minutes), pauses).astimezone(SHANGHAI)


# -- the calendar knows the holidays and the swapped working days ------------------------------------

@pytest.mark.parametrize("day,working", [
    (date(2025, 1, 26), True),    # Sunday worked before the 2025 Spring Festival
    (date(2025, 1, 28), False),   # New Year's Eve 2025
    (date(2025, 2, 4), False),
    (date(2025, 2, 8), True),     # Saturday worked after it
    (date(2025, 9, 28), True),    # Sunday worked before National Day 2025
    (date(2025, 10, 8), False),
    (date(2025, 10, 11), True),   # Saturday worked after it
    (date(2026, 2, 14), True),    # Saturday worked before the 2026 Spring Festival
    (date(2026, 2, 16), False),
    (date(2026, 2, 23), False),   # the Monday off in exchange
    (date(2026, 2, 24), True),
    (date(2026, 2, 28), True),    # Saturday worked after it
    (date(2026, 9, 20), True),    # Sunday worked before National Day 2026
    (date(2026, 9, 25), False),   # Mid-Autumn Festival
    (date(2026, 10, 1), False),
    (date(2026, 10, 7), False),
    (date(2026, 10, 10), True),   # Saturday worked after it
    (date(2027, 2, 8), False),    # Spring Festival 2027 (statutory days; the swaps come with the 2027 notice)
    (date(2027, 10, 1), False),
    (date(2026, 11, 21), False),  # an ordinary Saturday
    (date(2026, 11, 23), True),   # an ordinary Monday
])
def test_working_days(day, working):
    assert CALENDAR.is_working_day(day) is working


def test_one_working_day_before_the_2026_spring_festival_runs_into_the_worked_saturday():
    # Friday 13 Feb 17:00: one hour left on Friday, seven on Saturday 14 (a working day)
    assert due(local(2026, 2, 13, 17), DAY) == local(2026, 2, 14, 17)
    # two working days: the next after Saturday is Tuesday 24 (15–23 are off)
    assert due(local(2026, 2, 13, 17), 2 * DAY) == local(2026, 2, 24, 17)


def test_five_working_days_across_the_2026_spring_festival():
    # the seed's "reply within 5 working days": Fri 13, Sat 14, Tue 24, Wed 25, Thu 26
    assert due(local(2026, 2, 13, 9), 5 * DAY) == local(2026, 2, 26, 18)


def test_national_day_2026_and_its_worked_saturday():
    # Wednesday 30 Sep 10:00: seven hours that day, then 1–7 Oct off, Thursday 8 Oct 10:00
    assert due(local(2026, 9, 30, 10), DAY) == local(2026, 10, 8, 10)
    # the department's three working days end on Saturday 10 Oct, a working day
    assert due(local(2026, 9, 30, 10), 3 * DAY) == local(2026, 10, 10, 10)


def test_the_sunday_worked_before_national_day_2025_counts():
    # Friday 26 Sep 2025 17:00, one working day: 1 hour Friday, 7 on Sunday 28 (worked), not Monday
    assert due(local(2025, 9, 26, 17), DAY) == local(2025, 9, 28, 17)


def test_lunch_and_evenings_do_not_count():
    assert due(local(2026, 11, 23, 11, 30), 60) == local(2026, 11, 23, 13, 30)
    assert due(local(2026, 11, 23, 20, 0), 30) == local(2026, 11, 24, 9, 30)
    assert due(local(2026, 11, 21, 10, 0), 30) == local(2026, 11, 23, 9, 30)  # filed on a Saturday


def test_a_pause_moves_the_deadline_by_the_working_time_paused():
    start = local(2026, 11, 23, 9)
    # paused Monday 14:00 – Tuesday 10:00: 4 + 1 working hours do not count
    pauses = [Pause(local(2026, 11, 23, 14), local(2026, 11, 24, 10))]
    assert due(start, DAY) == local(2026, 11, 23, 18)
    assert due(start, DAY, pauses) == local(2026, 11, 24, 15)
    assert CALENDAR.deadline(start, timedelta(minutes=DAY), [Pause(local(2026, 11, 23, 14))]) is None


def test_working_hours_parse_and_refuse_nonsense():
    assert parse_hours("08:30-12:00, 13:30-17:30")[1][0].hour == 13
    for text in ("9-12", "12:00-09:00", "09:00-12:00,11:00-13:00", "09:00-24:30"):
        with pytest.raises(ValueError):
            parse_hours(text)


# -- properties ----------------------------------------------------------------------------------------

MOMENTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 11, 30),
                       timezones=st.just(UTC))
MINUTE_MOMENTS = MOMENTS.map(lambda moment: moment.replace(second=0, microsecond=0))
BUDGETS = st.integers(min_value=1, max_value=10 * DAY)


@st.composite
def pauses_after(draw, start: datetime) -> list[Pause]:
    """Up to three closed, non-overlapping pauses after `start`."""
    cursor, pauses = start, []
    for _ in range(draw(st.integers(0, 3))):
        begin = cursor + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
        end = begin + timedelta(minutes=draw(st.integers(1, 5 * 24 * 60)))
        pauses.append(Pause(begin, end))
        cursor = end
    return pauses


@settings(max_examples=300, deadline=None)
@given(MOMENTS, BUDGETS)
def test_deadlines_fall_in_working_hours_of_working_days(start, minutes):
    deadline = CALENDAR.add(start, timedelta(minutes=minutes))
    day = deadline.astimezone(SHANGHAI).date()
    assert CALENDAR.is_working_day(day)
    assert CALENDAR.is_working_time(deadline), deadline.astimezone(SHANGHAI)
    assert deadline > start


@settings(max_examples=300, deadline=None)
@given(MOMENTS, BUDGETS)
def test_the_working_time_to_a_deadline_is_the_budget(start, minutes):
    deadline = CALENDAR.add(start, timedelta(minutes=minutes))
    assert CALENDAR.working_time(start, deadline) == timedelta(minutes=minutes)


@settings(max_examples=200, deadline=None)
@given(st.data(), MOMENTS, BUDGETS)
def test_pausing_never_shortens_a_deadline(data, start, minutes):
    pauses = data.draw(pauses_after(start))
    unpaused = CALENDAR.deadline(start, timedelta(minutes=minutes))
    paused = CALENDAR.deadline(start, timedelta(minutes=minutes), pauses)
    assert paused >= unpaused
    assert CALENDAR.working_time_excluding(start, paused, pauses) == timedelta(minutes=minutes)
    assert not any(pause.start < paused <= pause.end for pause in pauses)


def naive_deadline(start: datetime, minutes: int) -> datetime:
    """Step one minute at a time from `start`, counting the minutes that lie in working hours."""
    moment, counted = start, 0
    while True:
        local_minute = moment.astimezone(SHANGHAI)
        clock = local_minute.time()
        if CALENDAR.is_working_day(local_minute.date()) and any(begin <= clock < end for begin, end in CALENDAR.hours):
            counted += 1
        moment += timedelta(minutes=1)
        if counted == minutes:
            return moment


@settings(max_examples=60, deadline=None)
@given(MINUTE_MOMENTS, st.integers(min_value=1, max_value=3 * DAY))
def test_the_clock_agrees_with_a_naive_minute_by_minute_count(start, minutes):
    assert CALENDAR.add(start, timedelta(minutes=minutes)) == naive_deadline(start, minutes)


# -- what a person reads: the time left in working hours, and the warning ---------------------------

def test_the_time_left_is_counted_in_working_minutes_across_a_holiday():
    from complaint.domain.sla import Clocks

    clocks = Clocks()
    filed = local(2025, 9, 30, 17, 0)  # the afternoon before the National Day holiday
    clocks.arm(CALENDAR, "resolve", filed, 4 * 60, warn_percent=25)
    standing = clocks.standing(CALENDAR, filed)["resolve"]
    assert standing["working_minutes_left"] == 240  # a week of holiday in between counts for nothing
    assert standing["warned"] is False
    # the first working day after it: an hour was used before the holiday
    assert clocks.standing(CALENDAR, local(2025, 10, 9, 9, 0))["resolve"] == {
        **standing, "working_minutes_left": 180}
    # three of the four hours gone: past the warning line (25% before it is due)
    assert clocks.standing(CALENDAR, local(2025, 10, 9, 11, 0))["resolve"] == {
        **standing, "working_minutes_left": 60, "warned": True}
    # due at noon; at four it is three working hours overdue (the lunch hour is not one)
    assert clocks.standing(CALENDAR, local(2025, 10, 9, 16, 0))["resolve"]["working_minutes_left"] == -180


def test_a_target_not_running_has_no_time_left():
    from complaint.domain.sla import Clocks

    standing = Clocks().standing(CALENDAR, local(2025, 3, 3, 10, 0))
    assert {name: figures["working_minutes_left"] for name, figures in standing.items()} == {
        "acknowledge": None, "respond": None, "resolve": None, "first_callback": None}
