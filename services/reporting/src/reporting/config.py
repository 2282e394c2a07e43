"""The reporting web process's own settings, read from the CRM_* environment once at start."""
from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from servicekit.config import Settings, business_time_zone

MAX_PERIOD_DAYS = "CRM_REPORTING_MAX_PERIOD_DAYS"
#: Ten years and a little: a decade of monthly trend in one request, and no more (a period costs a few rows
#: per month and per week it touches).
DEFAULT_MAX_PERIOD_DAYS = 3660


def max_period_days(settings: Settings) -> int:
    """The longest period (days, both ends included) one report request may cover; ValueError when unusable."""
    raw = settings.extra.get(MAX_PERIOD_DAYS) or str(DEFAULT_MAX_PERIOD_DAYS)
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"{MAX_PERIOD_DAYS} must be a whole number of days, not {raw!r}.") from None
    if days < 31:
        raise ValueError(f"{MAX_PERIOD_DAYS} must be at least 31 (a month), not {days}.")
    return days


def time_zone(env: Mapping[str, str]) -> ZoneInfo:
    """Where days and months of the reports begin: the business's CRM_TIMEZONE (Asia/Shanghai by default)."""
    return business_time_zone(env)


@functools.cache
def process_time_zone() -> ZoneInfo:
    """time_zone of this process's environment, read on first use (the consumer and the rebuild cut the
    days of events with it; the web process reads the same variable from its settings)."""
    return time_zone(os.environ)
