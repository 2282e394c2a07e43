"""Signing in and out: the person lands on the page they asked for, never on another site, and a session the API
no longer accepts leads back to sign-in and then to the page they were on."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from console_tests.conftest import Browser, sign_in
from console_tests.fakeapi import problem, token_for


@pytest.fixture
def app(app):
    """The console with one more page that asks the API, as every screen does (the screens are tested apart)."""
    from console.api import api

    @app.get("/probe/customers")
    def probe():
        return {"customers": api().get("/customers")}

    @app.post("/probe/customers")
    def probe_change():
        return {"made": api().post("/customers", {"name": "张三"})}

    return app


@pytest.fixture
def browser(app) -> Browser:
    """A browser that has not signed in."""
    return Browser(app.test_client())


def accept_token(fake_api, username="li.si", role="agent"):
    fake_api.on("POST", "/auth/token", {"access_token": token_for(username, role), "token_type": "Bearer"})


def signin_target(response) -> str:
    """The `next` a redirect to sign-in carries."""
    location = urlsplit(response.headers["Location"])
    assert location.path == "/signin"
    return parse_qs(location.query).get("next", [""])[0]


def test_a_page_without_a_session_leads_to_sign_in_and_remembers_it(browser):
    response = browser.get("/complaints?status=open")
    assert response.status_code == 302
    assert signin_target(response) == "/complaints?status=open"


def test_sign_in_leads_to_the_page_asked_for(browser, fake_api):
    accept_token(fake_api)
    page = browser.get("/signin?next=/complaints?status=open")
    assert page.status_code == 200
    assert 'name="username"' in page.get_data(as_text=True)
    response = browser.post("/signin?next=/complaints?status%3Dopen", {"username": "li.si", "password": "pw"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/complaints?status=open"
    assert fake_api.body("POST", "/auth/token") == {"username": "li.si", "password": "pw"}
    home = browser.get("/complaints")
    assert home.status_code == 200
    assert "li.si" in home.get_data(as_text=True)


def test_sign_in_passes_on_the_browser_address_the_gateway_vouched_for(browser, fake_api):
    accept_token(fake_api)
    fake_api.on("GET", "/auth/me", {"username": "li.si", "display_name": "李四", "role": "agent"})
    browser.get("/signin")
    vouched = {"X-Console-Client": "203.0.113.7;1700000000;" + "a" * 64}
    browser.post("/signin", {"username": "li.si", "password": "pw"}, headers=vouched)
    # the gateway counts failed sign-ins per browser, not all on the console's one address
    assert fake_api.sent("POST", "/auth/token")[-1].headers["X-Console-Client"] == vouched["X-Console-Client"]
    page = browser.get("/complaints")
    assert "李四 (li.si)" in page.get_data(as_text=True)


def test_sign_in_without_next_leads_to_today(browser, fake_api):
    accept_token(fake_api)
    browser.get("/signin")
    response = browser.post("/signin", {"username": "li.si", "password": "pw"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
                                    "/\t/evil.example", "javascript:alert(1)", "evil.example"])
def test_next_never_leads_to_another_site(browser, fake_api, target):
    accept_token(fake_api)
    browser.get("/signin")
    response = browser.client.post("/signin", query_string={"next": target},
                                   data={"username": "li.si", "password": "pw", "csrf_token": browser.csrf})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_wrong_password_says_so_and_keeps_the_username(browser, fake_api):
    fake_api.on("POST", "/auth/token", problem(401, "Invalid credentials"))
    browser.get("/signin")
    response = browser.post("/signin", {"username": "li.si", "password": "wrong"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "用户名或密码错误" in html
    assert 'value="li.si"' in html
    assert "token" not in str(browser.client.get_cookie("guanxi_session") or "")
    assert browser.get("/").status_code == 302  # still not signed in


def test_an_empty_form_asks_for_both_fields_without_calling_the_api(browser, fake_api):
    browser.get("/signin")
    response = browser.post("/signin", {"username": " ", "password": ""})
    assert "请输入用户名和密码" in response.get_data(as_text=True)
    assert fake_api.sent("POST", "/auth/token") == []


def test_too_many_attempts_say_wait(browser, fake_api):
    fake_api.on("POST", "/auth/token", problem(429, "Too many failed sign-ins"))
    browser.get("/signin")
    html = browser.post("/signin", {"username": "li.si", "password": "x"}).get_data(as_text=True)
    assert "尝试次数过多" in html


@pytest.mark.parametrize("answer", [problem(503, "The gateway is unavailable", service="gateway"),
                                    lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused"))])
def test_the_api_down_says_sign_in_is_unavailable(browser, fake_api, answer):
    fake_api.on("POST", "/auth/token", answer)
    browser.get("/signin")
    response = browser.post("/signin", {"username": "li.si", "password": "pw"})
    html = response.get_data(as_text=True)
    assert "暂时无法登录" in html
    assert "Traceback" not in html


def test_sign_out_ends_the_session(agent):
    assert agent.get("/").status_code == 200
    response = agent.post("/signout")
    assert response.status_code == 302 and response.headers["Location"] == "/signin"
    assert agent.get("/").status_code == 302


def test_sign_out_needs_a_post(agent):
    assert agent.get("/signout").status_code == 405
    assert agent.get("/").status_code == 200


def test_a_token_the_api_no_longer_accepts_leads_to_sign_in_and_back(app, fake_api):
    browser = sign_in(app, "agent")
    fake_api.on("GET", "/customers", problem(401, "The token is no longer valid"))
    response = browser.get("/probe/customers?page=2")
    assert response.status_code == 302
    assert signin_target(response) == "/probe/customers?page=2"
    assert browser.get("/").status_code == 302  # the token was dropped from the session
    # Signing in again leads back to that page.
    fake_api.on("GET", "/customers", {"items": []})
    accept_token(fake_api)
    browser.get(response.headers["Location"])
    again = browser.post(response.headers["Location"], {"username": "li.si", "password": "pw"})
    assert again.headers["Location"] == "/probe/customers?page=2"
    assert browser.get("/probe/customers?page=2").get_json() == {"customers": {"items": []}}


def test_an_htmx_request_with_a_stale_token_redirects_the_whole_page(app, fake_api):
    browser = sign_in(app, "agent")
    fake_api.on("GET", "/customers", problem(401, "expired"))
    response = browser.client.get("/probe/customers", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/complaints?status=open"})
    assert response.status_code == 200
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/signin"
    assert parse_qs(target.query)["next"] == ["/complaints?status=open"]


def test_a_change_with_a_stale_token_leads_back_to_the_page_it_came_from(app, fake_api):
    browser = sign_in(app, "agent")
    fake_api.on("POST", "/customers", problem(401, "expired"))
    response = browser.post("/probe/customers", headers={"Referer": "http://localhost/customers/new"})
    assert signin_target(response) == "/customers/new"


def test_an_expired_token_leads_to_sign_in_even_on_a_page_that_asks_the_api_nothing(app):
    browser = sign_in(app, "agent")
    expired = jwt.encode({"sub": "li.si", "role": "agent", "exp": int(time.time()) - 60}, "x")
    with browser.client.session_transaction() as session:
        session["token"] = expired
    response = browser.get("/appointments")
    assert response.status_code == 302
    assert signin_target(response) == "/appointments"


def test_a_page_that_asks_the_api_nothing_still_confirms_the_session_stands(app, fake_api):
    browser = sign_in(app, "viewer", "zhao.kan")
    fake_api.on("GET", "/auth/me", {"username": "zhao.kan", "role": "viewer"})
    assert browser.get("/customers/new").status_code == 200  # a reader is told they may not create customers
    assert [call.url.path for call in fake_api.calls] == ["/api/v1/auth/me"]
    fake_api.on("GET", "/auth/me", problem(401, "The session has ended"))
    response = browser.get("/customers/new?kind=prospect")
    assert signin_target(response) == "/customers/new?kind=prospect"
    assert browser.get("/signin").status_code == 200  # the sign-in page itself asks nothing


def test_a_page_that_asks_the_api_is_not_asked_twice(app, fake_api):
    browser = sign_in(app, "agent")
    fake_api.on("GET", "/customers", {"items": []})
    browser.get("/probe/customers")
    assert [call.url.path for call in fake_api.calls] == ["/api/v1/customers"]


def test_an_unavailable_gateway_says_nothing_against_the_session(app, fake_api):
    browser = sign_in(app, "agent")
    fake_api.on("GET", "/auth/me", problem(503, "down", service="gateway"))
    assert browser.get("/complaints").status_code == 200


@pytest.mark.parametrize("path,api_path", [("/complaints?status=filed", "/complaints"),
                                           ("/?view=store", "/reminders/tasks"),
                                           ("/search?q=zwm", "/customers")])
def test_a_page_whose_own_call_meets_an_ended_session_leads_to_sign_in(app, fake_api, path, api_path):
    browser = sign_in(app, "agent")
    fake_api.on("GET", api_path, problem(401, "The token no longer stands: log in again."))
    response = browser.get(path)
    assert signin_target(response) == path  # not a page saying a part is unavailable


def test_an_action_that_meets_an_ended_session_leads_htmx_to_sign_in(app, fake_api):
    browser = sign_in(app, "agent")
    fake_api.on("GET", "/reminders/.*", problem(401, "The token no longer stands: log in again."))
    fake_api.on("POST", "/reminders/.*", problem(401, "The token no longer stands: log in again."))
    response = browser.htmx("POST", "/today/tasks/22222222-2222-4222-8222-222222222222/complete",
                            {"outcome": "reached"})
    assert response.status_code == 200
    assert urlsplit(response.headers["HX-Redirect"]).path == "/signin"
