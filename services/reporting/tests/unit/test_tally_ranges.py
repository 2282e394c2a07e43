"""A date range is read from whole years, whole months and days, each day exactly once."""
import random
from datetime import date, timedelta

from reporting.adapters.tally_reader import cover


def test_every_day_of_a_range_is_covered_once_by_year_month_and_day_rows():
    rng = random.Random(7)
    for _ in range(2000):
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(3000))
        end = start + timedelta(days=rng.randrange(2000))
        covered: list[date] = []
        for grain, low, high in cover(start, end):
            assert grain == "D" or low.day == 1
            assert grain != "Y" or (low.month, low.day) == (1, 1)
            step = low
            while step <= high:
                covered.append(step)
                step += timedelta(days=1)
        assert sorted(covered) == [start + timedelta(days=i) for i in range((end - start).days + 1)]


def test_since_the_beginning_reads_years_then_months():
    assert cover(date(2000, 1, 1), date(2026, 10, 31)) == [("Y", date(2000, 1, 1), date(2025, 12, 31)),
                                                          ("M", date(2026, 1, 1), date(2026, 10, 31))]
    assert cover(date(2026, 10, 5), date(2026, 10, 9)) == [("D", date(2026, 10, 5), date(2026, 10, 9))]
