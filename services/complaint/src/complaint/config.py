"""The complaint service's own settings (beside the kit's), read from CRM_COMPLAINT_* variables."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from servicekit.config import Settings, business_time_zone

from complaint.domain.calendar import BusinessCalendar, parse_hours
from complaint.domain.rules import Rules, parse_min_callbacks, parse_subcategories


@dataclass(frozen=True)
class ComplaintSettings:
    """Business calendar, workflow rules and the scanner's pace."""

    calendar: BusinessCalendar
    rules: Rules
    scan_interval: float
    scan_batch: int


def complaint_settings(settings: Settings, is_working_day: Callable[[date], bool]) -> ComplaintSettings:
    """Read CRM_COMPLAINT_WORKING_HOURS, _MIN_CALLBACKS, _SUBCATEGORIES, _SCAN_INTERVAL, _SCAN_BATCH and the time
    zone (CRM_COMPLAINT_TIMEZONE, else the business's CRM_TIMEZONE); `is_working_day` is the calendar of
    working days the wiring gives (adapters/holidays.py in the service)."""
    extra = settings.extra
    hours = parse_hours(extra.get("CRM_COMPLAINT_WORKING_HOURS") or "09:00-12:00,13:00-18:00")
    calendar = BusinessCalendar(is_working_day, hours, business_time_zone(extra, "CRM_COMPLAINT_TIMEZONE").key)
    rules = Rules(min_callbacks=parse_min_callbacks(extra.get("CRM_COMPLAINT_MIN_CALLBACKS") or ""),
                  subcategories=parse_subcategories(extra.get("CRM_COMPLAINT_SUBCATEGORIES") or ""))
    return ComplaintSettings(calendar=calendar, rules=rules,
                             scan_interval=float(extra.get("CRM_COMPLAINT_SCAN_INTERVAL") or 30),
                             scan_batch=int(extra.get("CRM_COMPLAINT_SCAN_BATCH") or 500))
