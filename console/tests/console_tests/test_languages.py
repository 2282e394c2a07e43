"""Chinese first, English second: chosen from the browser, switched per person, kept across sign-ins."""
from __future__ import annotations

import pytest

from console_tests.conftest import Browser, sign_in


def labels(html: str) -> set[str]:
    return {word for word in ("用户名", "密码", "登录", "Username", "Password", "Sign in") if word in html}


@pytest.mark.parametrize(("accept", "expected"), [
    ("en-US,en;q=0.9", "en"), ("en-GB", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("zh-TW", "zh"),
    ("fr-FR", "zh"), ("", "zh"), ("fr,en;q=0.5", "en")])
def test_the_browser_language_picks_the_consoles(app, accept, expected):
    html = app.test_client().get("/signin", headers={"Accept-Language": accept} if accept else {}).get_data(
        as_text=True)
    if expected == "en":
        assert labels(html) == {"Username", "Password", "Sign in"}
        assert '<html lang="en">' in html
    else:
        assert labels(html) == {"用户名", "密码", "登录"}
        assert '<html lang="zh-CN">' in html


def test_the_switch_changes_the_language_and_returns_to_the_page(agent):
    assert "今日待办" in agent.get("/customers").get_data(as_text=True)
    response = agent.post("/language", {"lang": "en", "next": "/customers?page=2"})
    assert response.status_code == 302 and response.headers["Location"] == "/customers?page=2"
    html = agent.get("/customers").get_data(as_text=True)
    assert "Today" in html and "今日待办" not in html
    assert '<html lang="en">' in html
    # The choice outweighs the browser's own preference.
    assert "Today" in agent.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_the_choice_survives_signing_out_and_in_on_that_browser(app, fake_api):
    from console_tests.fakeapi import token_for

    browser = sign_in(app, "agent")
    browser.get("/")
    response = browser.post("/language", {"lang": "en"})
    cookie = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("guanxi_lang=")][0]
    assert cookie.startswith("guanxi_lang=en;") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    browser.post("/signout")
    assert labels(browser.get("/signin").get_data(as_text=True)) == {"Username", "Password", "Sign in"}
    fake_api.on("POST", "/auth/token", {"access_token": token_for(), "token_type": "Bearer"})
    browser.post("/signin", {"username": "li.si", "password": "pw"})
    assert "Today" in browser.get("/").get_data(as_text=True)


def test_the_cookie_alone_keeps_the_language_on_a_new_session(app):
    browser = Browser(app.test_client())
    browser.client.set_cookie("guanxi_lang", "en")
    html = browser.get("/signin", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert labels(html) == {"Username", "Password", "Sign in"}


def test_an_unknown_language_changes_nothing(agent):
    agent.get("/")
    agent.post("/language", {"lang": "fr"})
    assert "今日待办" in agent.get("/").get_data(as_text=True)


def test_the_switch_never_leads_to_another_site(agent):
    agent.get("/")
    response = agent.post("/language", {"lang": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_the_api_is_asked_in_the_persons_language(app, fake_api):
    from console.api import api

    @app.get("/probe/lang")
    def probe():
        return api().get("/customers")

    fake_api.on("GET", "/customers", {})
    sign_in(app, language="zh").get("/probe/lang")
    sign_in(app, language="en").get("/probe/lang")
    assert [call.headers["Accept-Language"] for call in fake_api.sent("GET", "/customers")] == ["zh-CN", "en"]


def test_dates_times_and_money_follow_the_language_and_the_business_time_zone(app):
    from console import i18n

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert i18n.when("2026-12-03T02:30:00+00:00") == "Dec 3, 2026, 10:30:00\u202fAM"
        assert i18n.money("1234.5") == "¥1,234.50"
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert i18n.when("2026-12-03T02:30:00+00:00") == "2026年12月3日 10:30:00"
        assert i18n.day("2026-12-03") == "2026年12月3日"
