"""Chinese festivals for holiday greetings, from the maintained `holidays` library (lunar ones included).

https://github.com/vacanza/holidays — its China calendar computes the lunar festivals (Spring Festival,
Dragon Boat, Mid-Autumn) for any year; we take the first day of each, never an "observed" day off.
"""
from __future__ import annotations

import functools
from datetime import date

import holidays

#: Festival key → (name in Chinese, the library's English name of its first day).
FESTIVALS: dict[str, tuple[str, str]] = {
    "new_year": ("元旦", "New Year's Day"),
    "spring_festival": ("春节", "Chinese New Year (Spring Festival)"),
    "dragon_boat": ("端午节", "Dragon Boat Festival"),
    "mid_autumn": ("中秋节", "Mid-Autumn Festival"),
    "national_day": ("国庆节", "National Day"),
}


@functools.lru_cache(maxsize=64)
def festival_dates(year: int) -> dict[str, date]:
    """The first day of each festival in `year`."""
    calendar = holidays.China(years=year, language="en_US")
    found: dict[str, date] = {}
    for day, names in sorted(calendar.items()):
        for name in names.split("; "):
            for key, (_, english) in FESTIVALS.items():
                if name == english and key not in found:
                    found[key] = day
    return found


def next_festival(key: str, on_or_after: date) -> date:
    """The first day of festival `key` on or after `on_or_after`."""
    for year in (on_or_after.year, on_or_after.year + 1):
        day = festival_dates(year).get(key)
        if day is not None and day >= on_or_after:
            return day
    raise LookupError(f"no {key} found after {on_or_after}")
