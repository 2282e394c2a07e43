"""Steps a person takes in the console that more than one browser test takes too: another person signing in at
another desk, a click repeated while the system has not yet heard of what was just made, and the complaint
steps of the customer-relations team and their manager."""
from __future__ import annotations

import random
import re
import time

from browsing import STAFF, sign_in
from playwright.sync_api import Page, expect


def signed_in(browser, base: str, role: str) -> Page:
    """Another person at another desk: a fresh profile signed in as `role`."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    person = STAFF[role]
    sign_in(page, base, person.username, person.password)
    return page


def until_it_takes(page: Page, click, done, timeout: float = 30.0) -> None:
    """Click, and click again while the system has not yet heard of what was just made (a person retries)."""
    started = time.monotonic()
    while True:
        click()
        page.wait_for_load_state()
        if done():
            return
        assert time.monotonic() - started < timeout, page.inner_text("main")
        time.sleep(0.5)


def status_is(page: Page, words: str) -> None:
    expect(page.locator(".complaint-status-text")).to_have_text(words)


def assign(manager: Page, url: str) -> None:
    """The manager gives the complaint to the after-sales department and li.si."""
    manager.goto(url)
    manager.get_by_label(re.compile(r"^部门")).select_option(label="售后服务部")
    manager.get_by_label(re.compile(r"^负责人")).select_option(value="li.si")

    def done() -> bool:
        return manager.locator(".complaint-status-text").inner_text() == "已分派"

    until_it_takes(manager, lambda: manager.get_by_role("button", name="分派", exact=True).click(), done)


def resolve(page: Page, url: str, what: str) -> None:
    page.goto(url)
    page.get_by_label("处理结果").fill(what)
    page.get_by_label("补救费用（元）").fill("200")
    page.get_by_role("button", name="处理完成").click()
    status_is(page, "已处理")


def callback(page: Page, satisfaction: str, comment: str) -> None:
    page.get_by_label("满意度（1-5 分）").select_option(label=satisfaction)
    page.get_by_label("客户意见").fill(comment)
    page.get_by_role("button", name="记录回访").click()


def survey(page: Page, rating: str = "非常满意") -> None:
    """The satisfaction survey of this round of handling, every item rated `rating`."""
    for item in ("服务态度", "专业技能", "及时性", "兑现承诺"):
        page.get_by_label(item).select_option(label=rating)
    page.get_by_role("button", name="记录调查").click()


def new_customer(admin_api, name: str) -> str:
    """A customer (an owner, with a random mobile number) made through the API; its id."""
    phone = "139" + "".join(random.choice("0123456789") for _ in range(8))
    response = admin_api.post("/customers", json={"name": name, "phone": phone, "kind": "owner"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def filed_by_api(admin_api, customer: str, description: str) -> str:
    """A minor service complaint of `customer` filed through the API; its id."""
    started = time.monotonic()
    while True:  # the complaint service hears of the new customer a moment later
        response = admin_api.post("/complaints", json={"customer_id": customer, "channel": "phone",
                                                       "category": "service", "severity": "minor",
                                                       "description": description})
        if response.status_code == 201 or time.monotonic() - started > 30:
            break
        time.sleep(0.3)
    assert response.status_code == 201, response.text
    return response.json()["id"]
