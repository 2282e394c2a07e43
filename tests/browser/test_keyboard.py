"""The keyboard, as a person who works without the mouse uses it: "?" lists the shortcuts, "j" and "k" move
through a list, Enter opens the row, "/" searches."""
from __future__ import annotations

import random

import pytest
from browsing import STAFF, sign_in
from playwright.sync_api import expect
from servicekit.processes import eventually

pytestmark = pytest.mark.browser


def test_j_and_k_move_through_the_customers_and_enter_opens_one(page, base, admin_api):
    tag = f"{random.randrange(10**6):06d}"
    for name in (f"键盘甲{tag}", f"键盘乙{tag}"):
        eventually(lambda name=name: admin_api.post("/customers", json={
            "name": name, "phone": f"135{random.randrange(10**8):08d}", "kind": "prospect"}),
            lambda answer: answer.status_code == 201)
    agent = STAFF["agent"]
    sign_in(page, base, agent.username, agent.password)
    page.goto(f"{base}/search?q={tag}")
    page.wait_for_load_state()  # the page's script, which gives the keys their meaning, has run
    expect(page.get_by_role("link", name=f"键盘乙{tag}")).to_be_visible()

    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="键盘快捷键")
    expect(shortcuts).to_be_visible()
    expect(shortcuts).to_contain_text("列表中的下一行和上一行")
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()

    rows = page.locator("main table tbody tr, main article, main .list-group-item").filter(has_text=tag)
    first = rows.nth(0).get_by_role("link").first
    second = rows.nth(1).get_by_role("link").first
    page.keyboard.press("j")
    expect(first).to_be_focused()
    page.keyboard.press("j")
    expect(second).to_be_focused()
    page.keyboard.press("k")
    expect(first).to_be_focused()
    name = first.inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
