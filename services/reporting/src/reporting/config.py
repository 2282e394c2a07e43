"""The reporting web process's own settings, read from the CRM_* environment once at start."""
from __future__ import annotations

from servicekit.config import Settings

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
