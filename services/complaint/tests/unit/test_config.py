"""The complaint settings: the business calendar's time zone is the business's, unless the service names its own."""
from datetime import date
from zoneinfo import ZoneInfo

from complaint.config import complaint_settings


def every_day(_day: date) -> bool:
    return True


def test_the_calendar_keeps_the_business_time_zone_or_the_services_own(make_settings):
    def zone(**extra: str) -> ZoneInfo:
        return complaint_settings(make_settings("complaint", extra=extra), every_day).calendar.zone

    assert zone() == ZoneInfo("Asia/Shanghai")
    assert zone(CRM_TIMEZONE="Asia/Urumqi") == ZoneInfo("Asia/Urumqi")
    assert zone(CRM_TIMEZONE="Asia/Urumqi", CRM_COMPLAINT_TIMEZONE="Asia/Hong_Kong") == ZoneInfo("Asia/Hong_Kong")
