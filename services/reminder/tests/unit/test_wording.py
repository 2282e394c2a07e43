"""The reason in words for the caller, for the reminders that are not planned from a vehicle."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from reminder.domain.wording import Subject, days_overdue, describe, fill_script


def words(kind, key, reason="", rule_id=None, **extra):
    return describe(Subject(kind=kind, rule_id=rule_id or kind, key=key, reason=reason, due_on=date(2027, 3, 2),
                            params={}, zone=ZoneInfo("Asia/Shanghai"), **extra))


def test_a_missed_appointment_complaint_callback_and_others_in_words():
    assert words("no_show_follow_up", "no_show_follow_up:a1",
                 "missed the maintenance appointment of 2027-03-01T02:00+00:00: call to book again") == \
        "爽约跟进：客户未按预约（保养，2027-03-01 10:00）到店，请致电重新预约"
    assert words("complaint_callback", "complaint_callback:c1:2027-03-01T08:00:00+00:00") == \
        "投诉回访：客户的投诉已于 2027-03-01 处理完毕，请在 2027-03-02 前回访，确认问题已解决及客户是否满意"
    assert words("broadcast", "broadcast:b1:c1", "明日有暴雨，请注意行车安全。") == "明日有暴雨，请注意行车安全。"
    assert words("some_new_kind", "x:c1:1", "in english", rule_name="投诉升级 (escalation)") == "投诉升级（2027-03-02）"
    assert words("birthday", "birthday:c1:2027", "[erased]") == "[erased]"


def test_a_script_is_filled_in_and_an_unknown_car_leaves_no_empty_brackets():
    assert fill_script("您好{name}，您的爱车（{plate}）{model}", "马丽", "粤B·55555", "雅阁") == \
        "您好马丽，您的爱车（粤B·55555）雅阁"
    assert fill_script("您好{name}，您的爱车（{plate}）", None, None, None) == "您好客户，您的爱车"
    assert fill_script(None, "马丽", None, None) is None


def test_days_overdue_are_counted_on_the_business_calendar():
    shanghai = ZoneInfo("Asia/Shanghai")
    due = datetime(2026, 12, 3, 9, 0, tzinfo=shanghai)
    # half past midnight the next day in Shanghai (still 3 December in UTC): a day overdue, not "due today"
    assert days_overdue(due, datetime(2026, 12, 3, 16, 30, tzinfo=UTC), shanghai) == 1
    assert days_overdue(due, datetime(2026, 12, 3, 23, 59, tzinfo=shanghai), shanghai) == 0
    assert days_overdue(due, datetime(2026, 12, 3, 8, 0, tzinfo=shanghai), shanghai) == 0  # not yet due
    assert days_overdue(due, datetime(2026, 12, 7, 0, 1, tzinfo=shanghai), shanghai) == 4
