"""The managers' settings in the console: change a reminder rule's parameter and see it saved, switch the rule
off and on again, create an SLA policy for a category and severity, add and remove a customer's opt-out; every
settings screen checked in Chinese and English."""
from __future__ import annotations

import random
import re

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect
from steps import until_it_takes

pytestmark = pytest.mark.browser


@pytest.fixture
def own_rule(admin_api):
    """A delivery callback rule of this test's own, far in the future so it reminds no one during the run."""
    rule_id = f"settings_test_{random.randint(100000, 999999)}"
    name = f"交车回访（测试{rule_id[-6:]}）"
    created = admin_api.post("/reminders/rules", json={"id": rule_id, "kind": "delivery_callback", "name": name,
                                                       "params": {"days": 3000}})
    assert created.status_code == 201, created.text
    yield rule_id, name
    admin_api.delete(f"/reminders/rules/{rule_id}")


@pytest.fixture
def free_policy(admin_api):
    """Incident / minor with no policy of its own while the test runs (none is left behind)."""
    def clear():
        for policy in admin_api.get("/complaints/sla-policies").json():
            if policy["category"] == "incident" and policy["severity"] == "minor":
                admin_api.delete(f"/complaints/sla-policies/{policy['id']}")
    clear()
    yield
    clear()


def test_a_manager_changes_a_rule_switches_it_and_sets_an_sla_policy_and_an_opt_out(page, base, admin_api,
                                                                                     own_rule, free_policy):
    rule_id, rule_name = own_rule
    manager = STAFF["manager"]
    sign_in(page, base, manager.username, manager.password)

    # A reminder rule's parameter, from the form its kind's parameters make.
    page.goto(f"{base}/settings/rules")
    rule = page.get_by_role("region", name=re.compile(re.escape(rule_name)))
    days = rule.get_by_label("交车后天数")
    expect(days).to_have_value("3000")
    expect(days).to_have_attribute("max", "3650")
    check_screen(page, "settings-rules")
    days.fill("3100")
    rule.get_by_role("button", name=f"保存规则：{rule_name}").click()
    rule = page.get_by_role("region", name=re.compile(re.escape(rule_name)))
    expect(rule.get_by_label("交车后天数")).to_have_value("3100")
    page.reload()
    expect(page.get_by_role("region", name=re.compile(re.escape(rule_name))).get_by_label("交车后天数")).to_have_value(
        "3100")
    assert admin_api.get(f"/reminders/rules/{rule_id}").json()["params"]["days"] == 3100

    # Off, and on again.
    page.get_by_role("button", name=f"停用：{rule_name}").click()
    expect(page.get_by_role("region", name=re.compile(re.escape(rule_name))).get_by_text("已停用")).to_be_visible()
    assert admin_api.get(f"/reminders/rules/{rule_id}").json()["enabled"] is False
    page.get_by_role("button", name=f"启用：{rule_name}").click()
    expect(page.get_by_role("region", name=re.compile(re.escape(rule_name))).get_by_text("已启用")).to_be_visible()
    assert admin_api.get(f"/reminders/rules/{rule_id}").json()["enabled"] is True

    # An SLA policy for incidents of minor severity.
    page.goto(f"{base}/settings/sla")
    check_screen(page, "settings-sla")
    new = page.get_by_role("region", name="新建 SLA 策略")
    new.get_by_label("类别").select_option(label="突发事件")
    new.get_by_label("严重程度").select_option(label="轻微")
    new.get_by_label("受理时限（工作分钟）").fill("45")
    new.get_by_label("响应时限（工作分钟）").fill("90")
    new.get_by_label("解决时限（工作分钟）").fill("960")
    new.get_by_label("首次回访时限（工作分钟）").fill("480")
    new.get_by_role("button", name="添加策略").click()
    expect(page.get_by_role("row", name=re.compile("突发事件.*轻微"))).to_be_visible()
    created = [p for p in admin_api.get("/complaints/sla-policies").json()
               if p["category"] == "incident" and p["severity"] == "minor"]
    assert created and created[0]["resolve_minutes"] == 960

    # An opt-out for a customer of this test's own, added and removed.
    phone = "137" + "".join(random.choice("0123456789") for _ in range(8))
    customer = admin_api.post("/customers", json={"name": f"退订客户{phone[-4:]}", "phone": phone, "kind": "owner"})
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]
    def opted_out(who: str) -> list:
        return admin_api.get("/reminders/opt-outs", params={"customer_id": who}).json()["items"]

    page.goto(f"{base}/settings/opt-outs")
    check_screen(page, "settings-opt-outs")
    add = page.get_by_role("region", name="登记退订")
    add.get_by_label("客户编号").fill(customer_id)
    add.get_by_label("退订渠道").select_option(label="微信")
    # The reminders service hears of a new customer a moment after it is made: a person tries again.
    until_it_takes(page, lambda: page.get_by_role("region", name="登记退订").get_by_role(
        "button", name="登记退订").click(), lambda: opted_out(customer_id))
    page.goto(f"{base}/settings/opt-outs?customer_id={customer_id}")
    remove = page.get_by_role("button", name=f"取消客户 {customer_id} 的微信退订")
    expect(remove).to_be_visible()
    remove.click()
    page.goto(f"{base}/settings/opt-outs?customer_id={customer_id}")
    expect(page.get_by_text("暂无退订。")).to_be_visible()
    assert opted_out(customer_id) == []

    page.goto(f"{base}/settings/broadcasts")
    expect(page.get_by_label("群发内容")).to_be_visible()
    check_screen(page, "settings-broadcasts")

    # The same screens in English.
    switch_language(page, "English")
    for path, name, heading in (("/settings/sla", "settings-sla", "SLA policies"),
                                ("/settings/rules", "settings-rules", "Reminder rules"),
                                ("/settings/opt-outs", "settings-opt-outs", "Opt-outs"),
                                ("/settings/broadcasts", "settings-broadcasts", "Broadcasts")):
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        check_screen(page, name)
