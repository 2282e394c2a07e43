"""Whether a notification goes: consent per channel, opt-outs, missing addresses, quiet hours; its text."""
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from reminder.domain.notifications import Recipient, decide, render

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
LATE = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
WANG = Recipient(name="王芳", phone="+8613912345678", email="wang.fang@example.cn",
                 consent={"sms": True, "phone": True, "email": False}, quiet_hours=(time(21, 0), time(8, 0)))


def test_sms_with_consent_goes_at_once_outside_quiet_hours():
    decision = decide("sms", WANG, NOON, SHANGHAI)
    assert (decision.target, decision.send_at, decision.skip_reason, decision.note) == (
        "+8613912345678", NOON, None, None)


def test_quiet_hours_across_midnight_defer_to_the_next_morning():
    decision = decide("sms", WANG, LATE, SHANGHAI)
    assert decision.send_at == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 08:00 the next day in Shanghai
    assert decision.note == "deferred by quiet hours 21:00–08:00 until 2026-12-02 08:00"


def test_no_consent_no_address_opt_out_and_erasure_are_reasons_not_to_send():
    assert decide("email", WANG, NOON, SHANGHAI).skip_reason == "no consent to email"
    no_phone = Recipient(name="x", phone=None, email=None, consent={"sms": True})
    assert decide("sms", no_phone, NOON, SHANGHAI).skip_reason == "no phone number"
    opted = Recipient(**{**WANG.__dict__, "opted_out": frozenset({"sms"})})
    assert decide("sms", opted, NOON, SHANGHAI).skip_reason == "the customer opted out of sms"
    erased = Recipient(name=None, phone=None, email=None, erased=True)
    assert decide("webhook", erased, NOON, SHANGHAI).skip_reason == "the customer's personal data was erased"
    assert decide("sms", WANG, NOON, SHANGHAI, configured=False).skip_reason == "no sms channel is configured"


def test_the_webhook_needs_no_archive_consent_but_keeps_opt_outs_and_quiet_hours():
    assert decide("webhook", WANG, NOON, SHANGHAI).target == "webhook"
    assert decide("webhook", WANG, LATE, SHANGHAI).send_at == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    opted = Recipient(**{**WANG.__dict__, "opted_out": frozenset({"webhook"})})
    assert decide("webhook", opted, NOON, SHANGHAI).skip_reason == "the customer opted out of webhook"


def test_message_templates():
    assert render("尊敬的{name}，祝您生日快乐！", "生日祝福", {"name": "王芳"}) == "尊敬的王芳，祝您生日快乐！"
    assert render(None, "首保", {"name": "王芳", "reason": "due 2027-02-28"}) == "尊敬的王芳，首保：due 2027-02-28"
    assert render("{unknown} {name}", "r", {"name": None}) == " "
    assert render("broken {", "r", {}) == "broken {"
    assert render("{name:d} {0} {name.x} {name[9]}", "r", {"name": "王芳"}) == "{name:d} {0} {name.x} {name[9]}"
