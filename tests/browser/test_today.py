"""Today (今日待办) in a real browser: a delivery recorded for li.si's customers becomes a 3-day callback on her
Today under its kind; she completes one as reached, snoozes another and books the third, which she then finds on
the Appointments screen; her manager switches to her tasks."""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect
from servicekit.processes import eventually

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")


def delivered_customer(admin_api, name: str, owner: str) -> dict:
    """A customer of `owner` with a vehicle delivered five days ago: the 3-day callback is two days overdue."""
    phone = f"139{random.randrange(10**8):08d}"
    customer = eventually(lambda: admin_api.post("/customers", json={
        "name": name, "phone": phone, "kind": "prospect", "owner": owner}),
        lambda response: response.status_code == 201)[0].json()
    delivered_on = datetime.now(SHANGHAI).date() - timedelta(days=5)
    plate = f"粤B·{random.randrange(10**5):05d}"
    asset = admin_api.post(f"/customers/{customer['id']}/assets", json={
        "kind": "vehicle", "model": "CR-V", "plate": plate, "delivered_on": delivered_on.isoformat(),
        "odometer_km": 5})
    assert asset.status_code == 201, asset.text
    return {**customer, "plate": plate, "asset_id": asset.json()["id"]}


def callback_task(admin_api, customer: dict) -> dict:
    """The customer's 3-day delivery callback task, once the scheduler has made it."""
    def found():
        response = admin_api.get("/reminders/tasks", params={"customer_id": customer["id"],
                                                             "rule": "delivery_callback_3d"})
        assert response.status_code == 200, response.text
        return response.json()["items"]
    return eventually(found)[0][0]


def test_an_agent_works_through_her_callbacks_and_books_one(page, base, admin_api):
    tag = f"{random.randrange(10**6):06d}"
    agent = STAFF["agent"]
    reached, snoozed, booked = (delivered_customer(admin_api, f"{surname}{tag}", agent.username)
                                for surname in ("回访甲", "回访乙", "回访丙"))
    tasks = {customer["id"]: callback_task(admin_api, customer) for customer in (reached, snoozed, booked)}
    assert {task["owner"] for task in tasks.values()} == {agent.username}

    sign_in(page, base, agent.username, agent.password)
    group = page.get_by_role("region", name=re.compile("三天交车回访"))
    expect(group.get_by_role("article", name=reached["name"])).to_be_visible()
    rows = group.get_by_role("article").count()
    assert rows >= 3
    expect(group.get_by_role("heading", name=re.compile("三天交车回访"))).to_contain_text(f"{rows} 件待办")
    row = group.get_by_role("article", name=reached["name"])
    expect(row).to_contain_text(reached["plate"])
    expect(row).to_contain_text(reached["phone"][-4:])
    expect(row).to_contain_text("逾期")
    check_screen(page, "today")

    # reached, with the customer's satisfaction: the row says so in place, without its actions
    row.get_by_label("结果").select_option(label="已联系上")
    row.get_by_label("满意度").select_option(label="非常满意")
    row.get_by_role("button", name="完成").click()
    expect(row).to_contain_text("已完成：已联系上")
    expect(row.get_by_role("button", name="完成")).to_have_count(0)

    # snoozed until tomorrow morning
    row = group.get_by_role("article", name=snoozed["name"])
    tomorrow = datetime.now(SHANGHAI).date() + timedelta(days=1)
    row.get_by_label("暂缓至").fill(f"{tomorrow.isoformat()}T10:00")
    row.get_by_role("button", name="暂缓").click()
    expect(row).to_contain_text("已暂缓")

    # booked: the booking form comes filled in with the customer and the task
    row = group.get_by_role("article", name=booked["name"])
    row.get_by_label("结果").select_option(label="已预约")
    row.get_by_role("button", name="完成").click()
    expect(page.get_by_role("heading", name="预约到店")).to_be_visible()
    expect(page.get_by_text(f"客户：{booked['name']}")).to_be_visible()
    check_screen(page, "appointment-booking")
    page.get_by_label("预约事项").select_option(label="保养")
    page.get_by_label("预约时间").fill(f"{tomorrow.isoformat()}T10:30")
    page.get_by_role("button", name="登记预约").click()
    expect(page.get_by_text("预约已登记。")).to_be_visible()
    appointment = page.get_by_role("row", name=re.compile(booked["name"]))
    expect(appointment).to_contain_text("已预约")
    expect(appointment).to_contain_text(booked["plate"])
    check_screen(page, "appointments")

    done = admin_api.get(f"/reminders/{tasks[booked['id']]['id']}").json()
    assert (done["status"], done["outcome"]) == ("done", "booked")
    [made] = admin_api.get("/appointments", params={"reminder_id": done["id"]}).json()["items"]
    assert made["customer_id"] == booked["id"] and made["asset_id"] == booked["asset_id"]

    # the same screens in English
    switch_language(page, "English")
    expect(page.get_by_role("row", name=re.compile(booked["name"]))).to_contain_text("Booked")
    check_screen(page, "appointments")
    page.get_by_role("link", name="Week", exact=True).click()
    expect(page.get_by_role("row", name=re.compile(booked["name"]))).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.get_by_role("article", name=snoozed["name"])).to_contain_text("Snoozed")
    check_screen(page, "today")
    page.goto(f"{base}/appointments/new?customer_id={snoozed['id']}&reminder_id={tasks[snoozed['id']]['id']}")
    expect(page.get_by_label("Day and time")).to_be_visible()
    check_screen(page, "appointment-booking")


def test_a_manager_switches_to_a_colleagues_tasks(page, base, admin_api):
    agent, manager = STAFF["agent"], STAFF["manager"]
    customer = delivered_customer(admin_api, f"经理查看{random.randrange(10**6):06d}", agent.username)
    callback_task(admin_api, customer)
    sign_in(page, base, manager.username, manager.password)
    expect(page.get_by_role("article", name=customer["name"])).to_have_count(0)
    page.get_by_label("同事").select_option(value=agent.username)
    page.get_by_role("button", name="查看任务").click()
    expect(page.get_by_role("heading", name=f"{agent.username} 的到期和逾期任务")).to_be_visible()
    expect(page.get_by_role("article", name=customer["name"])).to_contain_text(customer["plate"])

