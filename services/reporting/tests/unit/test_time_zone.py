"""Reports cut their days in the business's time zone (CRM_TIMEZONE), not a fixed one."""
from zoneinfo import ZoneInfo

from reporting.app import create_app
from reporting.config import time_zone


def test_the_reports_days_are_the_business_time_zones(make_settings):
    assert time_zone({}) == ZoneInfo("Asia/Shanghai")
    app = create_app(make_settings("reporting", extra={"CRM_TIMEZONE": "Asia/Urumqi"}))
    assert app.extensions["reporting"]["time_zone"] == ZoneInfo("Asia/Urumqi")
