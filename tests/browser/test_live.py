"""Live updates: a screen shows what colleagues (or the services) did a moment ago without being reloaded, and
never takes away what the person is typing. The system of these tests refreshes every 2 s while the stream is
unavailable (CRM_CONSOLE_POLL_SECONDS in conftest.py)."""
from __future__ import annotations

import random
import time

import pytest
from browsing import STAFF, check_screen, sign_in
from playwright.sync_api import expect
from servicekit.processes import eventually

pytestmark = pytest.mark.browser


def known_customer(admin_api, name: str) -> str:
    """A new customer the complaint service already knows of (it hears of customers a moment later)."""
    phone = "137" + "".join(random.choice("0123456789") for _ in range(8))
    response = admin_api.post("/customers", json={"name": name, "phone": phone, "kind": "owner"})
    assert response.status_code == 201, response.text
    customer = response.json()["id"]
    eventually(lambda: admin_api.post("/complaints", json={
        "customer_id": customer, "channel": "phone", "category": "service", "severity": "minor",
        "description": f"{name}的第一次投诉"}), lambda answer: answer.status_code == 201)
    return customer


def file(admin_api, customer: str, description: str) -> str:
    response = admin_api.post("/complaints", json={"customer_id": customer, "channel": "phone",
                                                   "category": "service", "severity": "minor",
                                                   "description": description})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def mark_the_page(page) -> None:
    """A mark that a reload would lose."""
    page.evaluate("window.liveTestMark = 'still here'")


def not_reloaded(page) -> bool:
    return page.evaluate("window.liveTestMark") == "still here"


def test_a_complaint_filed_elsewhere_appears_in_the_open_list_within_2_seconds(page, base, admin_api):
    name = f"实时客户{random.randint(10000, 99999)}"
    customer = known_customer(admin_api, name)
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    page.goto(f"{base}/complaints")
    expect(page.locator("html[data-live-state=open]")).to_have_count(1)
    mark_the_page(page)
    half_typed = page.get_by_label("负责人（用户名）")
    half_typed.click()
    half_typed.press_sequentially("li.")

    description = f"实时推送测试{random.randint(10000, 99999)}"
    file(admin_api, customer, description)
    filed_at = time.monotonic()
    expect(page.get_by_role("link", name=description)).to_be_visible(timeout=2000)
    assert time.monotonic() - filed_at < 2.0
    assert not_reloaded(page)
    expect(half_typed).to_have_value("li.")
    expect(half_typed).to_be_focused()


def test_with_the_stream_unavailable_the_list_still_updates_by_polling(page, base, admin_api):
    name = f"轮询客户{random.randint(10000, 99999)}"
    customer = known_customer(admin_api, name)
    page.route("**/live/stream**", lambda route: route.abort())
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    page.goto(f"{base}/complaints")
    expect(page.locator("html[data-live-state=polling]")).to_have_count(1)
    mark_the_page(page)

    description = f"轮询更新测试{random.randint(10000, 99999)}"
    file(admin_api, customer, description)
    expect(page.get_by_role("link", name=description)).to_be_visible(timeout=8000)
    assert not_reloaded(page)


def test_a_complaint_page_being_typed_in_offers_the_refresh_instead_of_replacing_it(page, browser, base, admin_api):
    name = f"编辑客户{random.randint(10000, 99999)}"
    complaint = file(admin_api, known_customer(admin_api, name), "维修后仍有异响")
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    page.goto(f"{base}/complaints/{complaint}")
    expect(page.locator("html[data-live-state=open]")).to_have_count(1)
    expect(page.locator(".complaint-status-text")).to_have_text("已提交")
    mark_the_page(page)
    page.get_by_label("整改要求").fill("前台须在客户进店 1 分钟内接待")

    response = admin_api.post(f"/complaints/{complaint}/reject", json={"findings": "经核实与维修无关"})
    assert response.status_code == 200, response.text
    notice = page.get_by_role("status").filter(has_text="此部分内容在显示后已有更新。")
    expect(notice).to_be_visible(timeout=2000)
    expect(page.get_by_label("整改要求")).to_have_value("前台须在客户进店 1 分钟内接待")
    expect(page.locator(".complaint-status-text")).to_have_text("已提交")

    notice.get_by_role("button", name="刷新").click()
    expect(page.locator(".complaint-status-text")).to_have_text("已驳回")
    expect(notice).to_have_count(0)
    assert not_reloaded(page)


def test_typing_begun_while_a_refresh_is_on_its_way_is_kept(page, base, admin_api):
    # the refresh is asked for while nobody types; the person starts typing before it arrives
    complaint = file(admin_api, known_customer(admin_api, f"途中客户{random.randint(10000, 99999)}"), "空调异味")
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    held = []
    page.route(f"{base}/complaints/{complaint}",
               lambda route: held.append(route) if route.request.headers.get("hx-request") else route.continue_())
    page.goto(f"{base}/complaints/{complaint}")
    expect(page.locator("html[data-live-state=open]")).to_have_count(1)
    expect(page.locator(".complaint-status-text")).to_have_text("已提交")
    mark_the_page(page)

    response = admin_api.post(f"/complaints/{complaint}/reject", json={"findings": "经核实为外部气味"})
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 5
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the page asked for the refresh"
    page.get_by_label("整改要求").fill("交车前检查空调滤芯")
    held.pop().continue_()

    notice = page.get_by_role("status").filter(has_text="此部分内容在显示后已有更新。")
    expect(notice).to_be_visible(timeout=2000)
    expect(page.get_by_label("整改要求")).to_have_value("交车前检查空调滤芯")
    expect(page.locator(".complaint-status-text")).to_have_text("已提交")
    check_screen(page, "live-notice")
    page.unroute(f"{base}/complaints/{complaint}")
    notice.get_by_role("button", name="刷新").click()
    expect(page.locator(".complaint-status-text")).to_have_text("已驳回")
    assert not_reloaded(page)
