"""When a vehicle's first maintenance falls due, for the first-maintenance rate [001].

The rule is the reminder service's: its `first_maintenance` rules (3 months or 3,000 km after delivery,
whichever comes first, as seeded; a manager edits them) reach this service in reminder.rule_changed.v1 events.
The rate counts by time only (the read model has no mileage): a vehicle's first maintenance is due `months`
calendar months after its delivery, the day kept inside the month as the reminder service moves it
(31 May + 3 months = 31 August; 30 November - 3 months = 30 August, and 31 August + 3 months too).
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

KIND = "first_maintenance"
#: The months of the reminder service's built-in first_maintenance rule as it is seeded: what holds until a
#: manager changes a first-maintenance rule there (the seeded rules publish no event until then).
SEEDED_MONTHS = 3


def add_months(day: date, months: int) -> date:
    """`day` moved by `months`, kept inside the target month (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_after_delivery(rules: Iterable[Mapping[str, Any]]) -> int:
    """How many months after delivery first maintenance falls due, from the first_maintenance rules known
    ({enabled, params}): the soonest of the enabled ones (a reminder comes at the first of them); if every one is
    switched off, the soonest of them still; none known: the seeded rule's."""
    rules = [rule for rule in rules if isinstance((rule.get("params") or {}).get("months"), int)]
    enabled = [rule for rule in rules if rule.get("enabled")]
    chosen = enabled or rules
    return min(rule["params"]["months"] for rule in chosen) if chosen else SEEDED_MONTHS


def last_delivery_due(end: date, months: int) -> date:
    """The last delivery day whose first maintenance (due `months` after it) falls on or before `end`."""
    day = add_months(end, -months)
    while add_months(day + timedelta(days=1), months) <= end:  # a month-end whose later days all land on `end`
        day += timedelta(days=1)
    return day
