"""Search from the header as a person does: the / key, pinyin initials, a phone's last digits, then the profile."""
from __future__ import annotations

import random
import re

import pytest
from browsing import STAFF, check_screen, sign_in, switch_language
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def unique_mobile() -> str:
    """A mainland mobile number no other test uses."""
    return f"139{random.randrange(10**8):08d}"


def test_find_a_customer_by_pinyin_initials_from_the_header_and_open_it(page, base, admin_api):
    phone = unique_mobile()
    created = admin_api.post("/customers", json={"name": "张伟明", "phone": phone, "kind": "prospect",
                                                 "intent_grade": "H", "wanted_model": "汉 EV"})
    assert created.status_code == 201, created.text
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)

    page.wait_for_load_state()  # the page's script, which gives the / key its meaning, has run
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="搜索")
    expect(search).to_be_focused()
    search.press_sequentially("zwm", delay=30)
    suggestions = page.locator("#search-suggestions")
    hit = suggestions.get_by_role("listitem").filter(has_text=f"+86{phone}")
    expect(hit).to_be_visible()
    expect(hit).to_contain_text("意向客户")
    # by keyboard: Arrow Down from the field reaches the customers found
    search.press("ArrowDown")
    expect(suggestions.get_by_role("link").first).to_be_focused()
    hit.get_by_role("link", name="张伟明").click()
    expect(page.get_by_role("heading", level=1, name="张伟明")).to_be_visible()
    expect(page.get_by_text("汉 EV").first).to_be_visible()

    # the last four digits of the phone find the customer too, on the full results page
    page.get_by_role("searchbox", name="搜索").fill(phone[-4:])
    page.get_by_role("searchbox", name="搜索").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=" + phone[-4:]))
    expect(page.locator("main").get_by_role("listitem").filter(has_text=f"+86{phone}")).to_be_visible()
    check_screen(page, "search")
    switch_language(page, "English")
    expect(page.locator("main").get_by_role("listitem").filter(has_text=f"+86{phone}")).to_contain_text("Prospect")
    check_screen(page, "search")


def test_a_search_that_finds_nobody_says_so(page, base):
    viewer = STAFF["viewer"]
    sign_in(page, base, viewer.username, viewer.password, english=True)
    page.get_by_role("searchbox", name="Search").fill("qqqxxyyzz")
    expect(page.locator("#search-suggestions")).to_contain_text("No customer matches")


def test_text_typed_before_the_page_scripts_are_ready_still_brings_suggestions(page, base):
    viewer = STAFF["viewer"]
    sign_in(page, base, viewer.username, viewer.password, english=True)
    held = []
    page.route("**/htmx.min.js", lambda route: held.append(route))  # htmx reaches the page when let through below
    page.goto(f"{base}/", wait_until="commit")
    search = page.get_by_role("searchbox", name="Search")
    search.fill("qqqxxyyzz")
    expect(page.locator("#search-suggestions")).to_be_empty()
    assert held, "the page asked for htmx"
    held[0].continue_()
    expect(page.locator("#search-suggestions")).to_contain_text("No customer matches")
