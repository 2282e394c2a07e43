"""What keeps a session the person's own: CSRF tokens on changes, the session cookie's flags, the security headers
of every answer, and error pages that show no internals."""
from __future__ import annotations

import re

import pytest

from console_tests.conftest import Browser


@pytest.fixture
def app(app):
    @app.get("/probe/broken")
    def broken():
        raise RuntimeError("database password is hunter2")

    return app


def test_a_change_without_the_csrf_token_is_refused(agent):
    response = agent.client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert "English" not in agent.get("/").get_data(as_text=True).split("<main")[1]  # nothing changed
    with agent.client.session_transaction() as session:
        assert session.get("lang") == "zh"


def test_a_change_with_a_wrong_csrf_token_is_refused(agent):
    assert agent.client.post("/signout", data={"csrf_token": "forged"}).status_code == 400
    assert agent.client.post("/signout", headers={"X-CSRF-Token": "forged"}).status_code == 400
    assert agent.get("/").status_code == 200  # still signed in


def test_a_change_with_the_token_is_accepted_from_a_form_or_an_htmx_header(agent):
    assert agent.post("/language", {"lang": "en"}).status_code == 302
    with agent.client.session_transaction() as session:
        assert session["lang"] == "en"
    response = agent.htmx("POST", "/signout")
    assert response.status_code == 302
    assert agent.get("/").status_code == 302


def test_sign_in_itself_needs_the_token_of_the_form(app, fake_api):
    browser = Browser(app.test_client())
    response = browser.client.post("/signin", data={"username": "li.si", "password": "pw"})
    assert response.status_code == 400
    assert fake_api.sent("POST", "/auth/token") == []


def test_every_page_carries_the_token_in_its_forms_and_for_htmx(agent):
    html = agent.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert f'"X-CSRF-Token": "{token}"' in html
    assert all(f'value="{token}"' in form for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S))


@pytest.mark.parametrize("path", ["/", "/signin", "/customers", "/no-such-page", "/static/console.css",
                                  "/static/console.js", "/healthz", "/probe/broken"])
def test_every_answer_carries_the_security_headers(agent, path):
    response = agent.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_are_not_cached_but_static_files_may_be(agent):
    assert agent.get("/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in agent.get("/static/console.css").headers.get("Cache-Control", "")


def test_pages_hold_no_inline_script_or_style(agent):
    for path in ("/", "/signin", "/customers", "/complaints", "/appointments"):
        html = agent.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("guanxi_session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_the_session_cookie_is_http_only_and_strict_and_not_secure_over_http(app):
    response = app.test_client().get("/signin")
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_when_the_browser_came_over_https(app):
    response = app.test_client().get("/signin", headers={"X-Forwarded-Proto": "https",
                                                         "X-Forwarded-Host": "crm.example.cn"})
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_the_session_cookie_holds_no_readable_password(app, fake_api):
    from console_tests.fakeapi import token_for

    fake_api.on("POST", "/auth/token", {"access_token": token_for(), "token_type": "Bearer"})
    browser = Browser(app.test_client())
    browser.get("/signin")
    response = browser.post("/signin", {"username": "li.si", "password": "secret-passphrase"})
    assert "secret-passphrase" not in session_cookie(response)


def test_an_unexpected_error_shows_a_reference_and_no_internals(agent):
    response = agent.get("/probe/broken", headers={"X-Request-ID": "abcdef0123456789"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "参考编号：abcdef0123456789" in html
    assert "Traceback" not in html and "hunter2" not in html and "RuntimeError" not in html


def test_an_unknown_page_is_a_404_in_words(agent):
    response = agent.get("/no-such-page")
    assert response.status_code == 404
    assert "没有这个页面" in response.get_data(as_text=True)


def test_an_api_refusal_no_page_handled_is_said_in_words(app, fake_api):
    from console.api import api

    from console_tests.conftest import sign_in
    from console_tests.fakeapi import problem

    @app.get("/probe/customer")
    def customer():
        return {"customer": api().get("/customers/1")}

    fake_api.on("GET", "/customers/1", problem(503, "down", service="customer"))
    response = sign_in(app).get("/probe/customer")
    assert response.status_code == 503
    assert "客户档案服务暂时不可用" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/customers", "/signin", "/no-such-page"])
def test_server_timing_says_how_long_the_page_took(agent, path):
    timing = agent.get(path).headers["Server-Timing"]
    assert re.fullmatch(r'api;dur=\d+\.\d;desc="\d+ calls", total;dur=\d+\.\d', timing), timing


def test_server_timing_counts_the_api_calls_and_the_time_waited(app, fake_api):
    from console.api import api

    from console_tests.conftest import sign_in

    @app.get("/probe/three")
    def three():
        made = api().gather({"a": lambda a: a.get("/a"), "b": lambda a: a.get("/b")})
        return {"parts": sorted(made), "c": api().get("/c")}

    for name in ("a", "b", "c"):
        fake_api.on("GET", f"/{name}", {"name": name})
    timing = sign_in(app).get("/probe/three").headers["Server-Timing"]
    api_ms, calls, total_ms = re.fullmatch(r'api;dur=([\d.]+);desc="(\d+) calls", total;dur=([\d.]+)', timing).groups()
    assert calls == "3"
    assert float(api_ms) <= float(total_ms)


def test_a_refused_form_also_says_its_timing(agent):
    response = agent.client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert re.fullmatch(r'api;dur=0\.0;desc="0 calls", total;dur=\d+\.\d', response.headers["Server-Timing"])
