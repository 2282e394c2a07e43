"""Working in bulk and saved views, through the gateway: a manager opens the complaints of one customer, chooses
every complaint matching that filter, gives them all to a colleague at once and sees how many succeeded; then
keeps the filter as a saved view and opens the list again from its menu."""
from __future__ import annotations

import random

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect
from steps import filed_by_api, new_customer

pytestmark = pytest.mark.browser


def test_a_manager_assigns_every_complaint_matching_a_filter_at_once(page, base, admin_api):
    name = f"批量客户{random.randint(10000, 99999)}"
    customer = new_customer(admin_api, name)
    complaints = [filed_by_api(admin_api, customer, f"第{number}次投诉：等待时间太长") for number in (1, 2, 3)]
    for complaint in complaints:
        assert admin_api.post(f"/complaints/{complaint}/acknowledge", json={}).status_code == 200
    manager = STAFF["manager"]
    sign_in(page, base, manager.username, manager.password)

    # The customer's complaints: exactly the three, none assigned yet.
    page.goto(f"{base}/customers/{customer}")
    page.get_by_role("link", name="该客户的投诉").click()
    rows = page.locator("table.complaint-list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="未分派")).to_have_count(3)
    check_screen(page, "bulk-complaints")

    page.get_by_label("选择符合此筛选的全部行（3 条）").check()
    bulk = page.get_by_role("form", name="批量处理所选投诉")
    bulk.get_by_label("部门").select_option(label="售后服务部")
    bulk.get_by_label("负责人（用户名）").fill("li.si")
    bulk.get_by_role("button", name="分派所选").click()
    expect(page.get_by_text("3 条成功")).to_be_visible()
    expect(page.locator("table.bulk-failures")).to_have_count(0)
    check_screen(page, "bulk-result")

    page.get_by_role("link", name="返回列表").click()
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="li.si")).to_have_count(3)
    expect(rows.filter(has_text="售后服务部")).to_have_count(3)
    for complaint in complaints:
        assert admin_api.get(f"/complaints/{complaint}").json()["assignee"] == "li.si"

    # The filter kept as a view, and the list opened again from the menu.
    view = f"{name}的投诉"
    menu = page.locator("#saved-views-complaints")
    menu.locator("summary").click()
    menu.get_by_label("筛选名称").fill(view)
    menu.get_by_role("button", name="保存此筛选").click()
    expect(rows).to_have_count(3)
    page.goto(f"{base}/complaints")
    menu.locator("summary").click()
    check_screen(page, "saved-views")
    menu.get_by_role("link", name=view).click()
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text=name)).to_have_count(3)

    switch_language(page, "English")
    expect(page.get_by_label("Select every row matching this filter (3)")).to_be_visible()
    check_screen(page, "bulk-complaints")
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name=view)).to_be_visible()
    check_screen(page, "saved-views")
    page.get_by_label("Select every row matching this filter (3)").check()
    page.get_by_role("form", name="Work on the chosen complaints").get_by_label("Department").select_option(
        label="Customer care")
    page.get_by_role("form", name="Work on the chosen complaints").get_by_label("Assignee (username)").fill(
        "no.such.person")
    page.get_by_role("button", name="Assign the chosen").click()
    expect(page.get_by_text("0 succeeded")).to_be_visible()
    failures = page.locator("table.bulk-failures tbody tr")
    expect(failures).to_have_count(3)
    expect(failures.filter(has_text="no.such.person")).to_have_count(3)
    check_screen(page, "bulk-result")


def test_a_viewer_finds_no_selection_in_the_lists(page, base):
    viewer = STAFF["viewer"]
    sign_in(page, base, viewer.username, viewer.password)
    for path in ("/complaints", "/customers", "/"):
        page.goto(f"{base}{path}")
        expect(page.locator("main input[name='ids']")).to_have_count(0)
        expect(page.locator("main .bulk-bar")).to_have_count(0)
