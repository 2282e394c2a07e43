"""Appointments (预约) in a real browser: a booking shows on its day and in its week, and is called off in place."""
from __future__ import annotations

import random
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect
from servicekit.processes import eventually

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_an_agent_finds_a_booking_on_its_day_and_week_and_cancels_it(page, base, admin_api):
    agent = STAFF["agent"]
    name = f"预约客户{random.randrange(10**6):06d}"
    customer = eventually(lambda: admin_api.post("/customers", json={
        "name": name, "phone": f"138{random.randrange(10**8):08d}", "kind": "prospect", "owner": agent.username}),
        lambda response: response.status_code == 201)[0].json()
    tomorrow = datetime.now(SHANGHAI).date() + timedelta(days=1)
    at = datetime.combine(tomorrow, time(15, 0), SHANGHAI)
    booked = eventually(lambda: admin_api.post("/appointments", json={
        "customer_id": customer["id"], "purpose": "repair", "scheduled_at": at.isoformat()}),
        lambda response: response.status_code == 201)[0].json()

    sign_in(page, base, agent.username, agent.password)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="预约").click()
    expect(page.get_by_role("heading", name="预约", level=1)).to_be_visible()
    page.get_by_role("link", name="往后").click()
    row = page.get_by_role("row", name=re.compile(name))
    expect(row).to_contain_text("维修")
    expect(row).to_contain_text("已预约")
    expect(row).to_contain_text("15:00")
    check_screen(page, "appointments")

    page.get_by_role("link", name="周", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("这一周"))).to_be_visible()
    row = page.get_by_role("row", name=re.compile(name))
    row.get_by_label("取消原因").fill("客户临时出差")
    row.get_by_role("button", name="取消预约").click()
    expect(row).to_contain_text("已取消")
    expect(row.get_by_role("button", name="取消预约")).to_have_count(0)
    assert admin_api.get(f"/appointments/{booked['id']}").json()["status"] == "cancelled"

    page.get_by_label("状态").select_option(label="已取消")
    page.get_by_role("button", name="查看预约").click()
    expect(page.get_by_role("row", name=re.compile(name))).to_be_visible()
    switch_language(page, "English")
    expect(page.get_by_role("row", name=re.compile(name))).to_contain_text("Cancelled")
    check_screen(page, "appointments")
