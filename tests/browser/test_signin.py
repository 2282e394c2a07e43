"""Signing in to the console in a browser, in Chinese and in English, and what keeps a session safe: a session the
gateway ended leads back to sign-in and then to the page the person was on, and a form without its CSRF token is
refused."""
from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
#: The navigation of an agent (Chinese) and of a manager (English): Reports for everyone who may read them,
#: Manage for those with tools to manage.
NAV = {"zh": ["今日待办", "客户", "投诉", "预约", "报表"],
       "en": ["Today", "Customers", "Complaints", "Appointments", "Reports", "Manage"]}


def nav_links(page) -> list[str]:
    navigation = page.get_by_role("navigation", name=re.compile("^(Main|主导航)$"))
    return [text.strip() for text in navigation.get_by_role("link").all_inner_texts()]


def make_person(admin_api, role: str = "agent") -> tuple[str, str]:
    """A person of this test's own (their password or role may change without disturbing other tests)."""
    username, password = f"signin.{uuid.uuid4().hex[:8]}", f"first-{uuid.uuid4().hex}"
    response = admin_api.post("/users", json={"username": username, "password": password, "role": role,
                                              "display_name": "孙测试"})
    assert response.status_code == 201, response.text
    return username, password


def test_sign_in_in_chinese(page, base):
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/signin"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("关系 CRM 客户关怀")
    check_screen(page, "signin")
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    expect(page).to_have_url(f"{base}/")
    assert nav_links(page) == NAV["zh"]
    expect(page.get_by_label("搜索", exact=True)).to_be_visible()
    expect(page.get_by_text(f"当前用户：{agent.username}")).to_be_visible()


def test_sign_in_in_english_with_the_automation_contract(page, base):
    page.goto(f"{base}/signin")
    switch_language(page, "English")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    check_screen(page, "signin")
    manager = STAFF["manager"]
    sign_in(page, base, manager.username, manager.password, english=True)
    assert nav_links(page) == NAV["en"]
    for name in NAV["en"]:
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_label("Search", exact=True)).to_be_visible()
    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page).to_have_url(f"{base}/customers")
    expect(page.get_by_role("link", name="Customers", exact=True)).to_have_attribute("aria-current", "page")


def test_a_wrong_password_says_so(page, base):
    page.goto(f"{base}/signin")
    page.get_by_label("用户名").fill(STAFF["agent"].username)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误，或账号已停用。")
    expect(page.get_by_label("用户名")).to_have_value(STAFF["agent"].username)
    expect(page.get_by_role("navigation", name="主导航")).to_have_count(0)


def test_the_slash_key_focuses_search(page, base):
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    search = page.get_by_label("搜索", exact=True)
    expect(search).not_to_be_focused()
    page.keyboard.press("/")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the key focused the field and typed nothing


def test_sign_out_ends_the_session(page, base):
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_label("用户名")).to_be_visible()
    page.goto(f"{base}/complaints")
    expect(page).to_have_url(re.compile(r"/signin\?next=(/|%2F)complaints$"))


@pytest.mark.parametrize("change", ["password", "role"])
def test_a_session_the_gateway_ended_returns_to_sign_in_and_then_to_the_page(page, base, admin_api, change):
    username, password = make_person(admin_api)
    sign_in(page, base, username, password)
    page.goto(f"{base}/complaints?status=open")
    expect(page.get_by_role("heading", level=1)).to_have_text("投诉")
    new_password = password
    if change == "password":
        new_password = f"second-{uuid.uuid4().hex}"
        answer = admin_api.patch(f"/users/{username}", json={"password": new_password})
    else:
        answer = admin_api.patch(f"/users/{username}", json={"role": "viewer"})
    assert answer.status_code == 200, answer.text
    page.reload()
    expect(page.get_by_label("用户名")).to_be_visible()
    target = urlsplit(page.url)
    assert target.path == "/signin"
    assert parse_qs(target.query)["next"] == ["/complaints?status=open"]
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(new_password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/complaints?status=open")
    expect(page.get_by_role("heading", level=1)).to_have_text("投诉")


def test_a_form_posted_without_its_csrf_token_is_refused(page, base):
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    token = page.locator("form[action='/language'] input[name=csrf_token]").get_attribute("value")
    assert token
    # The same browser session (its cookie), but a form that did not come from the console's page.
    refused = page.context.request.post(f"{base}/language", form={"lang": "en", "next": "/"}, max_redirects=0)
    assert refused.status == 400
    assert "表单已过期" in refused.text()
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")  # nothing changed
    forged = page.context.request.post(f"{base}/language", form={"lang": "en", "csrf_token": "forged"},
                                       max_redirects=0)
    assert forged.status == 400
    accepted = page.context.request.post(f"{base}/language", form={"lang": "en", "next": "/", "csrf_token": token},
                                         max_redirects=0)
    assert accepted.status == 302
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # A sign-out posted from elsewhere is refused too: the person stays signed in.
    assert page.context.request.post(f"{base}/signout", max_redirects=0).status == 400
    page.reload()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_the_browser_language_is_the_first_choice(browser, base):
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{base}/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        context.close()
