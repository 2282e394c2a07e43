"""The managers' settings screens against a fake API: SLA policies, reminder rules edited with forms built from
their kinds' parameters, opt-outs and broadcasts; read-only for an agent; a service down said in words."""
from __future__ import annotations

import re

import httpx
import pytest

from console_tests.conftest import sign_in
from console_tests.fakeapi import envelope, problem

CUSTOMER = "0d6c2a4e-3b7f-4f0a-b1a4-7a9c2e5d8f10"
POLICY = "7c2d1e4f-0a3b-4c5d-8e9f-112233445566"
CONTACT = "22222222-3333-4444-8555-666666666666"
GENERAL = "11111111-2222-4333-8444-555555555555"
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def boss(app):
    """A manager reading English."""
    return sign_in(app, "manager", "wang.gm", language="en")


@pytest.fixture
def clerk(app):
    """An agent reading English."""
    return sign_in(app, "agent", "li.si", language="en")


def policy(**changes) -> dict:
    base = {"id": POLICY, "category": "quality", "severity": "serious", "acknowledge_minutes": 30,
            "respond_minutes": 120, "resolve_minutes": 2400, "first_callback_minutes": 480, "warn_percent": 20,
            "updated_by": "wang.gm", "updated_at": "2026-11-01T02:00:00+00:00"}
    base.update(changes)
    return base


def sla_routes(fake_api, policies=None):
    fake_api.on("GET", r"/complaints/sla-policies", policies if policies is not None else [
        policy(id=GENERAL, category="*", severity="*", acknowledge_minutes=60), policy()])
    fake_api.on("GET", r"/complaints/settings", {"survey_required_before_close": True, "updated_by": None,
                                                  "updated_at": None})
    fake_api.on("GET", r"/complaints/escalation-contacts", envelope([
        {"id": CONTACT, "store_id": "*", "level": "general_manager", "username": "wang.gm", "updated_by": "admin",
         "updated_at": "2026-11-01T02:00:00+00:00"}]))


KINDS = {"items": [
    {"kind": "delivery_callback", "recurring": False, "params": {
        "days": {"type": "integer", "default": 3, "minimum": 0, "maximum": 3650},
        "months": {"type": "integer", "default": 0, "minimum": 0, "maximum": 120}}},
    {"kind": "holiday_greeting", "recurring": True, "params": {
        "festivals": {"type": "list", "default": ["spring_festival"], "minimum": None, "maximum": None}}},
]}


def rule(**changes) -> dict:
    base = {"id": "delivery_callback", "kind": "delivery_callback", "name": "交车回访", "enabled": True,
            "params": {"days": 3}, "task": True, "channels": ["sms"], "time_of_day": "09:00", "owner": None,
            "message": None, "templates": {}, "script": None, "builtin": True, "version": 4,
            "created_at": "2026-01-01T00:00:00+00:00"}
    base.update(changes)
    return base


def rule_routes(fake_api, rules=None):
    rules = rules if rules is not None else [rule(), rule(id="holiday_greeting", kind="holiday_greeting",
                                                        name="节日问候", params={}, channels=[])]
    fake_api.on("GET", r"/reminders/rules", {"items": rules})
    fake_api.on("GET", r"/reminders/rule-kinds", KINDS)
    for one in rules:
        fake_api.on("GET", rf"/reminders/rules/{one['id']}", one)


# -- SLA policies -------------------------------------------------------------------------------------------


def test_sla_policies_listed_with_categories_and_severities_in_words(boss, fake_api):
    sla_routes(fake_api)
    html = boss.get("/settings/sla").get_data(as_text=True)
    assert "Product quality" in html and "Serious" in html
    assert "Any category" in html and "Any severity" in html
    assert "5 working days 0 h" in html  # 2400 working minutes
    assert "Closing a complaint needs the satisfaction survey" in html
    # The general policy cannot be deleted; the specific one can.
    assert html.count(">Delete the policy<") == 1
    # the escalation contacts are on the page once, and the browser's title is only the screen's name
    assert html.count('id="escalation-contacts"') == 1
    assert re.search(r"<title>([^<]*)</title>", html).group(1).strip().startswith("SLA policies ·")


def test_sla_policy_created_for_a_category_and_severity(boss, fake_api):
    sla_routes(fake_api)
    fake_api.on("POST", r"/complaints/sla-policies", httpx.Response(201, json=policy(category="service")))
    boss.get("/settings/sla")
    response = boss.post("/settings/sla", {"category": "service", "severity": "critical", "acknowledge_minutes": "15",
                                           "respond_minutes": "60", "resolve_minutes": "480",
                                           "first_callback_minutes": "240", "warn_percent": "25"})
    assert response.status_code == 302
    assert fake_api.body("POST", r"/complaints/sla-policies") == {
        "category": "service", "severity": "critical", "acknowledge_minutes": 15, "respond_minutes": 60,
        "resolve_minutes": 480, "first_callback_minutes": 240, "warn_percent": 25}


def test_sla_policy_refused_says_why_beside_the_field(boss, fake_api):
    sla_routes(fake_api)
    fake_api.on("POST", r"/complaints/sla-policies", problem(
        422, "invalid", errors={"resolve_minutes": ["Must be greater than or equal to 1."]}))
    boss.get("/settings/sla")
    response = boss.post("/settings/sla", {"category": "service", "severity": "minor", "acknowledge_minutes": "15",
                                           "respond_minutes": "60", "resolve_minutes": "0",
                                           "first_callback_minutes": "240"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="new-resolve_minutes"[^>]*value="0"|value="0"[^>]*id="new-resolve_minutes"', html)
    assert 'id="new-resolve_minutes-error">Must be greater than or equal to 1.' in html


def test_sla_policy_edited_and_a_conflict_said_in_words(boss, fake_api):
    sla_routes(fake_api)
    fake_api.on("PATCH", rf"/complaints/sla-policies/{POLICY}", policy(resolve_minutes=1200))
    boss.get("/settings/sla")
    fields = {"acknowledge_minutes": "30", "respond_minutes": "120", "resolve_minutes": "1200",
              "first_callback_minutes": "480", "warn_percent": "20"}
    assert boss.post(f"/settings/sla/{POLICY}", fields).status_code == 302
    assert fake_api.body("PATCH", rf"/complaints/sla-policies/{POLICY}")["resolve_minutes"] == 1200

    fake_api.on("PATCH", rf"/complaints/sla-policies/{POLICY}", problem(409, "Someone changed this policy meanwhile."))
    response = boss.post(f"/settings/sla/{POLICY}", fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This could not be done:" in html and "Someone changed this policy meanwhile." in html


def test_sla_policy_deleted(boss, fake_api):
    sla_routes(fake_api)
    fake_api.on("DELETE", rf"/complaints/sla-policies/{POLICY}", httpx.Response(204))
    boss.get("/settings/sla")
    assert boss.post(f"/settings/sla/{POLICY}/delete").status_code == 302
    assert fake_api.sent("DELETE", rf"/complaints/sla-policies/{POLICY}")


def test_survey_before_close_switched_off(boss, fake_api):
    sla_routes(fake_api)
    fake_api.on("PATCH", r"/complaints/settings", {"survey_required_before_close": False})
    boss.get("/settings/sla")
    assert boss.post("/settings/complaints", {"survey_required_before_close": "false"}).status_code == 302
    assert fake_api.body("PATCH", r"/complaints/settings") == {"survey_required_before_close": False}


def test_escalation_contacts_listed_added_and_removed(boss, fake_api):
    sla_routes(fake_api)
    fake_api.on("POST", r"/complaints/escalation-contacts", httpx.Response(201, json={}))
    fake_api.on("DELETE", rf"/complaints/escalation-contacts/{CONTACT}", httpx.Response(204))
    html = boss.get("/settings/sla").get_data(as_text=True)
    assert "Every store without its own" in html and "General manager" in html and "wang.gm" in html
    assert boss.post("/settings/escalation-contacts", {"store_id": "sh01", "level": "manager",
                                                       "username": "zhang.mgr"}).status_code == 302
    assert fake_api.body("POST", r"/complaints/escalation-contacts") == {"store_id": "sh01", "level": "manager",
                                                                          "username": "zhang.mgr"}
    assert boss.post(f"/settings/escalation-contacts/{CONTACT}/delete").status_code == 302
    assert fake_api.sent("DELETE", rf"/complaints/escalation-contacts/{CONTACT}")


def test_escalation_contact_refused_beside_the_username(boss, fake_api):
    sla_routes(fake_api)
    fake_api.on("POST", r"/complaints/escalation-contacts", problem(
        422, "invalid", errors={"username": ["No active user nobody."]}))
    boss.get("/settings/sla")
    response = boss.post("/settings/escalation-contacts", {"store_id": "*", "level": "manager", "username": "nobody"})
    assert response.status_code == 422
    assert 'id="contact-username-error">No active user nobody.' in response.get_data(as_text=True)


def test_complaints_service_down_says_unavailable(boss, fake_api):
    fake_api.on("GET", r"/complaints/sla-policies", problem(503, "down", service="complaint"))
    fake_api.on("GET", r"/complaints/settings", problem(503, "down", service="complaint"))
    fake_api.on("GET", r"/complaints/escalation-contacts", problem(503, "down", service="complaint"))
    response = boss.get("/settings/sla")
    assert response.status_code == 200
    assert "The complaints service is unavailable right now" in response.get_data(as_text=True)


# -- reminder rules -----------------------------------------------------------------------------------------


def test_rule_form_built_from_its_kinds_parameters_with_bounds(boss, fake_api):
    rule_routes(fake_api)
    html = boss.get("/settings/rules").get_data(as_text=True)
    days = re.search(r'<input[^>]*id="r-delivery_callback-days"[^>]*>', html).group(0)
    assert 'type="number"' in days and 'min="0"' in days and 'max="3650"' in days and 'value="3"' in days
    assert 'name="params.days"' in days
    assert "Days after delivery" in html and "From 0 to 3650; default 3." in html
    months = re.search(r'<input[^>]*id="r-delivery_callback-months"[^>]*>', html).group(0)
    assert 'value="0"' in months and 'max="120"' in months  # the kind's default, the rule not setting it
    festivals = re.search(r'<select[^>]*id="r-holiday_greeting-festivals".*?</select>', html, re.S).group(0)
    assert "multiple" in festivals and "Spring Festival" in festivals and "Mid-Autumn Festival" in festivals
    assert re.search(r'value="spring_festival" selected', festivals)  # the default, chosen
    assert "Delivery callback" in html and "Holiday greeting" in html and "SMS" in html


def test_rule_parameter_saved(boss, fake_api):
    rule_routes(fake_api)
    fake_api.on("PATCH", r"/reminders/rules/delivery_callback", rule(params={"days": 7}, version=5))
    boss.get("/settings/rules")
    response = boss.post("/settings/rules/delivery_callback", {
        "version": "4", "params.days": "7", "params.months": "0", "time_of_day": "10:00",
        "channels": ["sms", "wechat"]})
    assert response.status_code == 302
    sent = fake_api.body("PATCH", r"/reminders/rules/delivery_callback")
    assert sent["params"] == {"days": 7, "months": 0}
    assert sent["channels"] == ["sms", "wechat"] and sent["time_of_day"] == "10:00"
    assert fake_api.sent("PATCH", r"/reminders/rules/delivery_callback")[-1].headers["If-Match"] == '"4"'


def test_rule_422_beside_the_parameter(boss, fake_api):
    rule_routes(fake_api)
    fake_api.on("PATCH", r"/reminders/rules/delivery_callback", problem(
        422, "invalid", errors={"params.days": ["Must be a whole number from 0 to 3650."]}))
    boss.get("/settings/rules")
    response = boss.post("/settings/rules/delivery_callback", {"version": "4", "params.days": "9999",
                                                                "params.months": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    days = re.search(r'<input[^>]*id="r-delivery_callback-days"[^>]*>', html).group(0)
    assert 'value="9999"' in days and 'aria-invalid="true"' in days
    assert 'id="r-delivery_callback-days-error">Must be a whole number from 0 to 3650.' in html


@pytest.mark.parametrize("status", [409, 412])
def test_rule_version_conflict_in_words(boss, fake_api, status):
    rule_routes(fake_api)
    fake_api.on("PATCH", r"/reminders/rules/delivery_callback", problem(status, "The rule was changed meanwhile."))
    boss.get("/settings/rules")
    response = boss.post("/settings/rules/delivery_callback", {"version": "4", "params.days": "5"})
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "This could not be done:" in html and "The rule was changed meanwhile." in html


def test_rule_switched_off_and_reset(boss, fake_api):
    rule_routes(fake_api)
    fake_api.on("PATCH", r"/reminders/rules/delivery_callback", rule(enabled=False))
    fake_api.on("POST", r"/reminders/rules/delivery_callback/reset", rule())
    html = boss.get("/settings/rules").get_data(as_text=True)
    assert "Switch off" in html and "Reset to defaults" in html
    assert boss.post("/settings/rules/delivery_callback/switch", {"enabled": "false"}).status_code == 302
    assert fake_api.body("PATCH", r"/reminders/rules/delivery_callback") == {"enabled": False}
    assert boss.post("/settings/rules/delivery_callback/reset").status_code == 302
    assert fake_api.sent("POST", r"/reminders/rules/delivery_callback/reset")


def test_rule_off_offers_switching_on(boss, fake_api):
    rule_routes(fake_api, [rule(enabled=False)])
    html = boss.get("/settings/rules").get_data(as_text=True)
    assert "Switched off<" in html and ">Switch on<" in html


def test_new_rule_of_a_kind(boss, fake_api):
    rule_routes(fake_api)
    fake_api.on("POST", r"/reminders/rules", httpx.Response(201, json=rule(id="second_callback", builtin=False)))
    boss.get("/settings/rules")
    response = boss.post("/settings/rules", {"kind": "delivery_callback", "id": "second_callback",
                                             "name": "交车七天回访"})
    assert response.status_code == 302
    sent = fake_api.body("POST", r"/reminders/rules")
    assert sent["kind"] == "delivery_callback" and sent["id"] == "second_callback" and sent["name"] == "交车七天回访"


def test_rules_in_chinese(manager, fake_api):
    rule_routes(fake_api)
    html = manager.get("/settings/rules").get_data(as_text=True)
    assert "交车回访" in html and "节日问候" in html and "春节" in html and "短信" in html


def test_reminder_service_down_says_unavailable(boss, fake_api):
    fake_api.on("GET", r"/reminders/rules", problem(503, "down", service="reminder"))
    fake_api.on("GET", r"/reminders/rule-kinds", problem(503, "down", service="reminder"))
    response = boss.get("/settings/rules")
    assert response.status_code == 200
    assert "The reminders and appointments service is unavailable right now" in response.get_data(as_text=True)


# -- opt-outs and broadcasts --------------------------------------------------------------------------------


def opt_out(customer=CUSTOMER, channel="sms") -> dict:
    return {"customer_id": customer, "channel": channel, "created_at": "2026-11-01T02:00:00+00:00",
            "created_by": "li.si"}


def test_opt_outs_listed_paginated(boss, fake_api):
    many = [opt_out(f"00000000-0000-4000-8000-{n:012d}") for n in range(25)]
    fake_api.on("GET", r"/reminders/opt-outs", {"items": many})
    first = boss.get("/settings/opt-outs").get_data(as_text=True)
    assert "00000000-0000-4000-8000-000000000019" in first and "00000000-0000-4000-8000-000000000020" not in first
    assert "Page 1 of 2 (25 in all)" in first
    second = boss.get("/settings/opt-outs?page=2").get_data(as_text=True)
    assert "00000000-0000-4000-8000-000000000024" in second and "00000000-0000-4000-8000-000000000001<" not in second


def test_opt_out_added_and_removed(boss, fake_api):
    fake_api.on("GET", r"/reminders/opt-outs", {"items": [opt_out()]})
    fake_api.on("POST", r"/reminders/opt-outs", httpx.Response(201, json=opt_out(channel="wechat")))
    fake_api.on("DELETE", rf"/reminders/opt-outs/{CUSTOMER}/sms", httpx.Response(204))
    html = boss.get("/settings/opt-outs").get_data(as_text=True)
    assert "SMS" in html
    assert boss.post("/settings/opt-outs", {"customer_id": CUSTOMER, "channel": "wechat"}).status_code == 302
    assert fake_api.body("POST", r"/reminders/opt-outs") == {"customer_id": CUSTOMER, "channel": "wechat"}
    assert boss.post(f"/settings/opt-outs/{CUSTOMER}/sms/delete").status_code == 302
    assert fake_api.sent("DELETE", rf"/reminders/opt-outs/{CUSTOMER}/sms")


def test_opt_out_for_an_unknown_customer_said_beside_the_field(boss, fake_api):
    fake_api.on("GET", r"/reminders/opt-outs", {"items": []})
    fake_api.on("POST", r"/reminders/opt-outs", problem(422, "invalid", errors={"customer_id": ["No such customer."]}))
    boss.get("/settings/opt-outs")
    response = boss.post("/settings/opt-outs", {"customer_id": EVIL, "channel": "sms"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="new-customer_id-error">No such customer.' in html
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_broadcast_says_how_many_it_reaches(boss, fake_api):
    fake_api.on("POST", r"/reminders/broadcasts", httpx.Response(201, json={
        "broadcast_id": "b1", "recipients": 42, "due_at": "2026-12-03T02:00:00+00:00", "channels": ["sms", "wechat"]}))
    boss.get("/settings/broadcasts")
    response = boss.post("/settings/broadcasts", {"message": "明日有暴雨，请注意行车安全。", "store_id": "sh01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The broadcast reaches 42 customer(s)" in html and "SMS, WeChat" in html
    assert fake_api.body("POST", r"/reminders/broadcasts") == {"message": "明日有暴雨，请注意行车安全。",
                                                                "store_id": "sh01"}


def test_broadcast_refused_beside_the_message(boss, fake_api):
    fake_api.on("POST", r"/reminders/broadcasts", problem(422, "invalid", errors={"message": ["Too long."]}))
    boss.get("/settings/broadcasts")
    response = boss.post("/settings/broadcasts", {"message": "x" * 600, "store_id": ""})
    assert response.status_code == 422
    assert 'id="f-message-error">Too long.' in response.get_data(as_text=True)


# -- roles --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_an_agent_or_viewer_sees_the_settings_without_buttons(app, fake_api, role):
    clerk = sign_in(app, role, "zhao.kan", language="en")
    sla_routes(fake_api)
    rule_routes(fake_api)
    fake_api.on("GET", r"/reminders/opt-outs", {"items": [opt_out()]})
    for path in ("/settings/sla", "/settings/rules", "/settings/opt-outs", "/settings/broadcasts"):
        response = clerk.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "<button" not in html.split("<main", 1)[-1].split("</main>")[0].replace(
            '<button class="btn btn-outline-secondary btn-sm" type="submit">Filter opt-outs</button>', ""), path
    assert "Days after delivery" in clerk.get("/settings/rules").get_data(as_text=True)


def test_an_agent_posting_is_refused(clerk, fake_api):
    sla_routes(fake_api)
    clerk.get("/settings/sla")
    assert clerk.post("/settings/sla", {"category": "service"}).status_code == 403
    assert clerk.post("/settings/rules/delivery_callback/switch", {"enabled": "false"}).status_code == 403
    assert not fake_api.sent("POST", r"/complaints/sla-policies")
    assert not fake_api.sent("PATCH", r"/reminders/rules/.*")
