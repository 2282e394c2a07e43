"""Dates the rules stand on: month ends, leap years, 29 February, quiet hours across midnight, festivals."""
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from reminder.domain.calendar import (
    add_months,
    after_quiet_hours,
    in_quiet_hours,
    local_moment,
    next_anniversary,
)
from reminder.domain.festivals import festival_dates, next_festival

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),   # month end clamps in a common year
    (date(2028, 1, 31), 1, date(2028, 2, 29)),   # and lands on the leap day in a leap year
    (date(2026, 11, 30), 3, date(2027, 2, 28)),  # 3 months after delivery on 30 November
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),  # over the year end
    (date(2027, 3, 31), -1, date(2027, 2, 28)),  # one month before, clamped too
    (date(2026, 5, 31), 1, date(2026, 6, 30)),
])
def test_add_months_keeps_inside_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_a_29_february_birthday_is_kept_on_28_february_in_common_years():
    born = date(1996, 2, 29)
    assert next_anniversary(born, date(2027, 1, 1)) == date(2027, 2, 28)
    assert next_anniversary(born, date(2028, 1, 1)) == date(2028, 2, 29)
    assert next_anniversary(born, date(2027, 3, 1)) == date(2028, 2, 29)


def test_next_anniversary_is_today_when_it_is_today_and_counts_whole_years():
    delivered = date(2026, 11, 20)
    assert next_anniversary(delivered, date(2026, 11, 20), min_years=1) == date(2027, 11, 20)
    assert next_anniversary(delivered, date(2027, 11, 20), min_years=1) == date(2027, 11, 20)
    assert next_anniversary(delivered, date(2027, 11, 21), min_years=1) == date(2028, 11, 20)


@pytest.mark.parametrize(("clock", "quiet"), [
    (time(21, 0), True), (time(23, 59), True), (time(0, 0), True), (time(7, 59), True),
    (time(8, 0), False), (time(12, 0), False), (time(20, 59), False),
])
def test_quiet_hours_across_midnight(clock, quiet):
    assert in_quiet_hours(clock, time(21, 0), time(8, 0)) is quiet


def test_quiet_hours_within_a_day_and_an_empty_window():
    assert in_quiet_hours(time(13, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(time(14, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(time(3, 0), time(8, 0), time(8, 0))


def test_a_message_in_the_late_evening_waits_for_the_next_morning():
    evening = local_moment(date(2026, 12, 31), time(22, 30), SHANGHAI)
    assert after_quiet_hours(evening, time(21, 0), time(8, 0), SHANGHAI) == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    early = local_moment(date(2027, 1, 1), time(6, 0), SHANGHAI)
    assert after_quiet_hours(early, time(21, 0), time(8, 0), SHANGHAI) == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    noon = local_moment(date(2027, 1, 1), time(12, 0), SHANGHAI)
    assert after_quiet_hours(noon, time(21, 0), time(8, 0), SHANGHAI) == noon


def test_lunar_festivals_come_from_the_calendar_library():
    # Spring Festival, Dragon Boat and Mid-Autumn move with the lunar calendar
    assert festival_dates(2027)["spring_festival"] == date(2027, 2, 6)
    assert festival_dates(2028)["spring_festival"] == date(2028, 1, 26)
    assert festival_dates(2027)["dragon_boat"] == date(2027, 6, 9)
    assert festival_dates(2026)["mid_autumn"] == date(2026, 9, 25)
    assert festival_dates(2028)["mid_autumn"] == date(2028, 10, 3)  # the same day as a National Day holiday
    assert festival_dates(2027)["national_day"] == date(2027, 10, 1)


def test_next_festival_rolls_into_the_next_year():
    assert next_festival("spring_festival", date(2027, 2, 7)) == date(2028, 1, 26)
    assert next_festival("spring_festival", date(2027, 2, 6)) == date(2027, 2, 6)
