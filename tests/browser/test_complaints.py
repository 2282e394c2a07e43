"""Complaints in the console, as the customer-relations team works them: file one for a customer, take it through
its steps to a callback that finds the customer unsatisfied and reopens it, then through again to a satisfied
callback, the survey and closing; find it in the list filtered by status."""
from __future__ import annotations

import random
import re

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect
from steps import (
    assign,
    callback,
    filed_by_api,
    new_customer,
    resolve,
    signed_in,
    status_is,
    survey,
    until_it_takes,
)

pytestmark = pytest.mark.browser


def test_a_complaint_through_an_unsatisfied_callback_to_closing(page, browser, base, admin_api):
    name = f"投诉客户{random.randint(10000, 99999)}"
    customer = new_customer(admin_api, name)
    plate = f"沪A{random.randint(10000, 99999)}"
    vehicle = admin_api.post(f"/customers/{customer}/assets", json={"kind": "vehicle", "plate": plate,
                                                                    "model": "帕萨特"})
    assert vehicle.status_code == 201, vehicle.text
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)

    # File it from the console, for the customer.
    page.goto(f"{base}/complaints/new?customer_id={customer}")
    expect(page.get_by_role("link", name=name)).to_be_visible()
    check_screen(page, "complaint-new")
    page.get_by_label("投诉渠道").select_option(label="微信")
    page.get_by_label("类别").select_option(label="产品质量")
    page.get_by_label("严重程度").select_option(label="一般")
    page.get_by_label("涉及车辆").select_option(label=f"{plate} · 帕萨特")
    page.get_by_label("投诉内容").fill("新车变速箱换挡顿挫，已返修两次")

    def filed() -> bool:
        return re.search(r"/complaints/[0-9a-f-]{36}$", page.url) is not None

    until_it_takes(page, lambda: page.get_by_role("button", name="提交投诉").click(), filed)
    url = page.url
    expect(page.get_by_role("heading", name=re.compile(name))).to_be_visible()
    status_is(page, "已提交")
    expect(page.get_by_text(f"车辆：{plate} · 帕萨特")).to_be_visible()
    expect(page.get_by_text("受理时限", exact=True)).to_be_visible()

    # Only what the complaint may take next, and only what an agent may do.
    expect(page.get_by_role("button", name="受理")).to_be_visible()
    expect(page.get_by_role("button", name="结案")).to_have_count(0)
    expect(page.get_by_role("button", name="分派")).to_have_count(0)
    page.get_by_role("button", name="受理").click()
    status_is(page, "已受理")
    expect(page.get_by_role("button", name="受理")).to_have_count(0)

    manager = signed_in(browser, base, "manager")
    assign(manager, url)

    page.goto(url)
    page.get_by_role("button", name="开始处理").click()
    status_is(page, "处理中")
    resolve(page, url, "更换变速箱控制单元并重新匹配")
    check_screen(page, "complaint-page")

    # The customer is not satisfied: the complaint is reopened.
    callback(page, "2 · 不满意", "还是有顿挫")
    status_is(page, "已重新打开")
    timeline = page.get_by_role("region", name="处理记录")
    expect(timeline.get_by_text("已记录回访").first).to_be_visible()
    expect(timeline.get_by_text("满意度: 不满意").first).to_be_visible()

    assign(manager, url)
    resolve(page, url, "更换变速箱总成")
    callback(page, "5 · 非常满意", "现在很好")
    status_is(page, "已回访")
    # A quality complaint needs two callbacks, and the survey of this resolution, before closing: the page says so.
    expect(page.get_by_text("结案需要 2 次客户满意的回访；目前已记录 1 次。")).to_be_visible()
    expect(page.get_by_role("button", name="结案")).to_have_count(0)
    callback(page, "4 · 满意", "一周后再回访，仍然正常")
    status_is(page, "已回访")
    expect(page.get_by_role("button", name="结案")).to_have_count(0)
    expect(page.get_by_text("结案前需记录本轮处理的满意度调查。")).to_be_visible()
    survey(page)
    page.get_by_role("button", name="结案").click()
    status_is(page, "已结案")
    expect(page.get_by_role("button", name="重新打开")).to_have_count(0)

    # The list filtered by status finds it.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="投诉").click()
    page.get_by_label("状态").select_option(label="已结案")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("link", name=name)).to_be_visible()
    check_screen(page, "complaints")

    switch_language(page, "English")
    expect(page.get_by_label("Status")).to_have_value("closed")
    check_screen(page, "complaints")
    page.goto(url)
    expect(page.locator(".complaint-status-text")).to_have_text("Closed")
    check_screen(page, "complaint-page")
    page.goto(f"{base}/complaints/new?customer_id={customer}")
    expect(page.get_by_role("button", name="File the complaint")).to_be_visible()
    check_screen(page, "complaint-new")
    manager.context.close()


def test_rectification_notice_pause_resume_and_reject(page, base, admin_api):
    name = f"整改客户{random.randint(10000, 99999)}"
    complaint = filed_by_api(admin_api, new_customer(admin_api, name), "前台接待无人理睬")
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    page.goto(f"{base}/complaints/{complaint}")

    page.get_by_label("整改部门").select_option(label="客服中心")
    page.get_by_label("整改要求").fill("前台须在客户进店 1 分钟内接待")
    page.get_by_role("button", name="下发整改通知").click()
    notices = page.get_by_role("region", name="整改通知单")
    expect(notices.get_by_text("前台须在客户进店 1 分钟内接待")).to_be_visible()
    expect(notices.get_by_text("待整改")).to_be_visible()
    printed = page.request.get(base + notices.get_by_role("link", name="打印整改通知单").get_attribute("href"))
    assert printed.ok and "整改" in printed.text()
    notices.get_by_label("整改情况").fill("已安排专人值守前台")
    notices.get_by_role("button", name="整改完成").click()
    expect(notices.get_by_text("已安排专人值守前台")).to_be_visible()
    expect(notices.get_by_role("button", name="整改完成")).to_have_count(0)

    page.get_by_label("等待客户的原因").fill("客户出差，下周再联系")
    page.get_by_role("button", name="暂停：等待客户").click()
    expect(page.get_by_role("heading", name=re.compile(name)).get_by_text("等待客户答复")).to_be_visible()
    expect(page.get_by_text("已暂停：等待客户答复").first).to_be_visible()
    page.get_by_role("button", name="恢复计时").click()
    expect(page.get_by_role("button", name="暂停：等待客户")).to_be_visible()

    page.get_by_label("反馈给客户的调查结论").fill("经调取监控，客户到店时前台正在接待其他客户，已致歉")
    page.get_by_role("button", name="驳回：不予支持").click()
    status_is(page, "已驳回")
    expect(page.locator("main form")).to_have_count(0)  # nothing more to do, not even a notice


def test_a_viewer_reads_a_complaint_but_finds_no_step(page, base, admin_api):
    name = f"查看客户{random.randint(10000, 99999)}"
    complaint = filed_by_api(admin_api, new_customer(admin_api, name), "等待时间太长")
    viewer = STAFF["viewer"]
    sign_in(page, base, viewer.username, viewer.password)
    page.goto(f"{base}/complaints/{complaint}")
    expect(page.get_by_role("heading", name=re.compile(name))).to_be_visible()
    expect(page.get_by_text("您可查看此投诉；处理步骤需要其他角色权限。")).to_be_visible()
    expect(page.locator("main").get_by_role("button")).to_have_count(0)
