"""The whole journey of issue 15 through the gateway on a running system, as a customer-relations specialist
works it in the console: sign in; find a customer by the initials of her name's pinyin; record the delivery of
her car; see the 3-day callback on Today; complete it as booked and find the appointment; file her complaint,
resolve it, record an unsatisfied callback and see it reopened, then resolve it again, record a satisfied
callback and close it; switch to English and back."""
from __future__ import annotations

import random
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import Page, expect
from servicekit.processes import eventually
from steps import assign, callback, resolve, signed_in, status_is, survey, until_it_takes

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")


def on_today(page: Page, name: str, timeout: float = 30.0):
    """The customer's 3-day callback on Today, once the reminder service has planned it (a person reloads)."""
    started = time.monotonic()
    while True:
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="今日待办").click()
        group = page.get_by_role("region", name=re.compile("三天交车回访"))
        row = group.get_by_role("article", name=name)
        if row.count():
            return row
        assert time.monotonic() - started < timeout, page.inner_text("main")
        time.sleep(0.5)


def test_a_day_at_the_customer_care_desk(page, browser, base, admin_api):
    agent = STAFF["agent"]
    name = "欧阳" + random.choice("建国 晓燕 志强 丽华 海峰 春梅".split())
    phone = f"136{random.randrange(10**8):08d}"
    plate = f"粤A{random.randrange(10**5):05d}"
    # the prospect is already in the archive, hers (the customer service hears of li.si a moment after she is made)
    customer = eventually(lambda: admin_api.post("/customers", json={
        "name": name, "phone": phone, "kind": "prospect", "owner": agent.username, "wanted_model": "雅阁"}),
        lambda answer: answer.status_code == 201)[0].json()

    # 1. sign in, and find her by the initials of her name's pinyin
    sign_in(page, base, agent.username, agent.password)
    search = page.get_by_role("searchbox", name="搜索")
    search.press_sequentially("oy", delay=30)
    hit = page.locator("#search-suggestions").get_by_role("listitem").filter(has_text=f"+86{phone}")
    expect(hit).to_be_visible()
    hit.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    customer_url = page.url
    assert customer_url.endswith(customer["id"])

    # 2. her car, handed over four days ago
    page.locator("summary").filter(has_text="登记车辆").click()
    page.get_by_label("车型", exact=True).fill("雅阁")
    page.get_by_label("车牌").fill(plate)
    page.get_by_role("button", name="保存车辆").click()
    expect(page.get_by_role("status").filter(has_text="车辆已登记")).to_be_visible()
    delivered = datetime.now(SHANGHAI).date() - timedelta(days=4)
    page.locator("summary").filter(has_text="登记到访").click()
    page.get_by_label("到访类型").select_option("delivery")
    page.get_by_label(re.compile("^时间")).fill(f"{delivered.isoformat()}T10:00")
    page.get_by_role("combobox", name="车辆", exact=True).select_option(index=1)
    page.get_by_role("button", name="保存到访记录").click()
    expect(page.get_by_role("status").filter(has_text="交车已记录")).to_be_visible()

    # 3. the 3-day callback is on Today, a day overdue; she reaches the customer, who books a service
    row = on_today(page, name)
    expect(row).to_contain_text(plate)
    expect(row).to_contain_text("逾期")
    row.get_by_label("结果").select_option(label="已预约")
    row.get_by_role("button", name="完成").click()
    expect(page.get_by_role("heading", name="预约到店")).to_be_visible()
    tomorrow = datetime.now(SHANGHAI).date() + timedelta(days=1)
    page.get_by_label("预约事项").select_option(label="保养")
    page.get_by_label("预约时间").fill(f"{tomorrow.isoformat()}T09:30")
    page.get_by_role("button", name="登记预约").click()
    expect(page.get_by_text("预约已登记。")).to_be_visible()
    # the appointment, on the Appointments screen of that day
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="预约").click()
    page.get_by_label("日期", exact=True).fill(tomorrow.isoformat())
    page.get_by_role("button", name="查看预约").click()
    booked = page.get_by_role("row", name=re.compile(name))
    expect(booked).to_contain_text("已预约")
    expect(booked).to_contain_text(plate)
    # and the callback is no longer waiting on Today
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="今日待办").click()
    expect(page.get_by_role("article", name=name)).to_have_count(0)

    # 4. she complains about the car; the complaint is filed from her page
    page.goto(customer_url)
    page.get_by_role("link", name="登记投诉").click()
    page.get_by_label("投诉渠道").select_option(label="电话")
    page.get_by_label("类别").select_option(label="服务")
    page.get_by_label("严重程度").select_option(label="一般")
    page.get_by_label("投诉内容").fill("交车时没有讲解车机功能")

    def filed() -> bool:
        return re.search(r"/complaints/[0-9a-f-]{36}$", page.url) is not None

    until_it_takes(page, lambda: page.get_by_role("button", name="提交投诉").click(), filed)
    complaint_url = page.url
    status_is(page, "已提交")
    page.get_by_role("button", name="受理").click()
    status_is(page, "已受理")
    manager = signed_in(browser, base, "manager")
    assign(manager, complaint_url)
    page.goto(complaint_url)
    page.get_by_role("button", name="开始处理").click()
    status_is(page, "处理中")
    resolve(page, complaint_url, "销售顾问上门讲解车机功能")

    # 5. the customer is not satisfied: the complaint is reopened
    callback(page, "2 · 不满意", "讲解太匆忙")
    status_is(page, "已重新打开")

    # 6. resolved again; this time she is satisfied, and the complaint is closed
    assign(manager, complaint_url)
    resolve(page, complaint_url, "服务经理亲自再次讲解，并赠送一次保养")
    callback(page, "5 · 非常满意", "讲得很清楚")
    survey(page)  # the dealership asks for the satisfaction survey before closing (the default setting)
    page.get_by_role("button", name="结案").click()
    status_is(page, "已结案")
    manager.context.close()

    # 7. the same in English, and back to Chinese
    switch_language(page, "English")
    expect(page.locator(".complaint-status-text")).to_have_text("Closed")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(customer_url)
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    switch_language(page, "中文")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="今日待办")).to_be_visible()
    check_screen(page, "customer-360")
