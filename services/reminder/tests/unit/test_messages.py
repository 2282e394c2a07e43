"""What customers read: a template per rule kind and language with named fields (Chinese by default),
never the reminder's internal reason; a rule's own template is checked field by field."""
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from reminder.adapters.channels import senders
from reminder.domain.builtin_rules import builtin_rules
from reminder.domain.messages import FIELDS, LANGUAGES, TEMPLATES, MessageFacts, compose, day_text, template_errors
from reminder.domain.reminder_rules import KINDS
from reminder.service_layer.delivery import deliver_due
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")

SAMPLE = MessageFacts(
    customer_name="马丽", plate="粤B55555", model="雅阁", label="粤B55555", due_on=date(2026, 12, 3),
    delivered_on=date(2025, 12, 3), expires_on=date(2027, 1, 3), inspection_on=date(2027, 12, 3), years=1,
    festival="mid_autumn", appointment_at=datetime(2026, 12, 1, 14, 30), message="明日有暴雨，请注意行车安全。",
    store_name="深圳南山店", store_phone="0755-88886666", rule_name="爱车周年 (您的爱车一岁了)",
    staff_name="wang.manager",
    complaint_id="7d0c6f1e", level="general_manager", severity="serious", category="service",
    escalation_reason="按严重程度升级")
#: What the planners write as a reminder's reason (internal English): never in a customer's message.
INTERNAL = re.compile(r"delivered on|year|due |→|callback|maintenance|km|since|remind|\{|\}")


def test_every_rule_kind_has_a_template_in_every_language():
    assert set(TEMPLATES) == set(KINDS)
    for kind, templates in TEMPLATES.items():
        assert set(templates) == set(LANGUAGES), kind
        for language, template in templates.items():
            assert template_errors(template) == [], (kind, language)


@pytest.mark.parametrize("rule", builtin_rules(), ids=lambda rule: rule.id)
def test_every_built_in_rule_renders_in_chinese_with_no_internal_text_and_no_placeholder(rule):
    text = compose(rule.kind, SAMPLE, "zh-CN", rule.templates, rule.message)
    assert text and not INTERNAL.search(text), text
    assert not re.search(r"[A-Za-z]{3,}", text.replace("wang.manager", "")), text  # Chinese, but for ids
    english = compose(rule.kind, SAMPLE, "en", rule.templates, rule.message)
    assert english and "{" not in english and "}" not in english, english
    bare = compose(rule.kind, MessageFacts(), "zh-CN", rule.templates, rule.message)  # nothing known
    assert bare and "{" not in bare and "None" not in bare, bare


def test_fields_read_as_their_readers_write_them():
    assert day_text(date(2026, 12, 3), "zh-CN") == "2026年12月3日"
    assert day_text(date(2026, 12, 3), "en") == "3 December 2026"
    text = compose("vehicle_anniversary", SAMPLE)
    assert text == ("尊敬的马丽，您的爱车雅阁（粤B55555）今天1岁了！感谢您一路以来的信任与陪伴。"
                    "如有疑问，请致电深圳南山店：0755-88886666。")
    assert compose("annual_inspection", SAMPLE).count("2027年12月3日") == 1
    assert compose("holiday_greeting", SAMPLE) == "尊敬的马丽，中秋节将至，祝您节日快乐，阖家幸福！"
    assert compose("birthday", replace(SAMPLE, customer_name=None)) == "尊敬的客户，祝您生日快乐！"


def test_a_template_naming_an_unknown_field_is_refused_by_name():
    assert template_errors("尊敬的{customer_name}") == []
    assert "Unknown field {nmae}" in template_errors("尊敬的{nmae}")[0]
    assert template_errors("{reason}")  # the internal reason is no field
    assert template_errors("{plate:>10}") and template_errors("broken {")
    assert set(FIELDS) >= {"customer_name", "plate", "model", "due_date", "store_name", "store_phone"}


def anniversary_tomorrow(customer, vehicle, today):
    customer_id = customer(name="马丽", birthday=None, quiet_hours=None)
    delivered = (today + timedelta(days=1)).replace(year=today.year - 1)
    vehicle(customer_id, plate="粤B55555", model="雅阁", delivered_on=delivered.isoformat())
    return customer_id


def test_the_vehicle_anniversary_sms_is_chinese_from_its_template(app, client, sessions, customer, vehicle,
                                                                  run_scheduler, receiver, today):
    gateway = receiver()
    anniversary_tomorrow(customer, vehicle, today)
    settings = replace(app.extensions["reminder_settings"], sms_url=gateway.url,
                       stores={"sz01": {"name": "深圳南山店", "phone": "0755-88886666"}})
    run_scheduler(datetime.now(UTC) + timedelta(days=2), sms_url=gateway.url, stores=settings.stores,
                  deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment))
    import json

    texts = [json.loads(body)["text"] for _, body in gateway.requests]
    assert [text for text in texts if "岁" in text] == [
        "尊敬的马丽，您的爱车雅阁（粤B55555）今天1岁了！感谢您一路以来的信任与陪伴。如有疑问，请致电深圳南山店：0755-88886666。"]


def test_a_rule_takes_its_own_template_per_language_and_refuses_unknown_fields(app, client, sessions, customer,
                                                                               vehicle, run_scheduler, receiver,
                                                                               today):
    path = "/api/v1/reminders/rules/vehicle_anniversary"
    refused = client.patch(path, json={"message": "尊敬的{nmae}"}, headers=MANAGER)
    assert refused.status_code == 422
    assert "nmae" in refused.get_json()["errors"]["message"][0]
    refused = client.patch(path, json={"templates": {"en": "Dear {customer}", "fr": "Cher {name}"}}, headers=MANAGER)
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert "customer" in errors["templates.en"][0] and "fr" in errors["templates.fr"][0]
    changed = client.patch(path, json={"templates": {"en": "Dear {customer_name}, {vehicle} is {years}!"}},
                           headers=MANAGER)
    assert changed.status_code == 200 and changed.get_json()["templates"] == {
        "en": "Dear {customer_name}, {vehicle} is {years}!"}
    fields = client.get("/api/v1/reminders/message-fields", headers=AGENT).get_json()
    assert "plate" in {item["name"] for item in fields["items"]} and fields["languages"] == ["zh-CN", "en"]
    gateway = receiver()
    anniversary_tomorrow(customer, vehicle, today)
    settings = replace(app.extensions["reminder_settings"], sms_url=gateway.url, language="en")
    run_scheduler(datetime.now(UTC) + timedelta(days=2), sms_url=gateway.url, language="en",
                  deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment))
    import json

    texts = [json.loads(body)["text"] for _, body in gateway.requests]
    assert "Dear 马丽, 雅阁 (粤B55555) is 1!" in texts  # the rule's own English template
    assert all(text.startswith("Dear 马丽, ") and "，" not in text for text in texts)  # the others: built-in English
    reset = client.post(f"{path}/reset", headers=MANAGER).get_json()
    assert reset["templates"] == {} and reset["message"] is None
