"""Administration in the console, as the first admin does it: open a store and give it an agent, who then finds
the customers of that store and not those of another; create an API key, see its secret once, call the API with
it, revoke it and see the API refuse it."""
from __future__ import annotations

import random
import re

import httpx
import pytest
from browsing import check_screen, sign_in, switch_language
from playwright.sync_api import expect
from servicekit.processes import ADMIN_PASSWORD, eventually

pytestmark = pytest.mark.browser


def unique_mobile() -> str:
    return f"137{random.randrange(10**8):08d}"


def new_context_page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    return context.new_page()


def test_a_store_and_its_agent_who_sees_that_store_only(page, browser, base, admin_api):
    n = random.randrange(10**6)
    store, other = f"t{n}", f"o{n}"
    assert admin_api.post("/stores", json={"id": other, "name": f"别家门店{n}"}).status_code == 201
    sign_in(page, base, "admin", ADMIN_PASSWORD)

    # Open the store.
    page.goto(f"{base}/admin/stores")
    check_screen(page, "admin-stores")
    page.get_by_label("门店编号").fill(store)
    page.get_by_label("门店名称").fill(f"测试门店{n}")
    page.get_by_label("所在省份").fill("江苏省")
    page.get_by_label("所在城市").fill("苏州市")
    page.get_by_role("button", name="开设该门店").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(f"测试门店{n}"))).to_be_visible()
    page.get_by_label("门店地址").fill("工业园区星湖街 100 号")
    page.get_by_role("button", name="保存门店").click()
    expect(page.get_by_text("门店信息已保存。")).to_be_visible()
    expect(page.get_by_label("门店地址")).to_have_value("工业园区星湖街 100 号")

    # Customers of that store and of another.
    mine, theirs = unique_mobile(), unique_mobile()
    for name, phone, store_id in ((f"本店客户{n}", mine, store), (f"外店客户{n}", theirs, other)):
        created = admin_api.post("/customers", json={"name": name, "phone": phone, "kind": "owner",
                                                     "store_id": store_id})
        assert created.status_code == 201, created.text

    # Give it an agent; a weak password is refused beside its field, with the rules.
    username = f"agent.{n}"
    page.goto(f"{base}/admin/users")
    check_screen(page, "admin-users")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("显示名称").fill(f"测试专员{n}")
    page.get_by_label("密码").fill("short")
    page.get_by_label("权限角色").select_option(label="客服专员")
    page.get_by_label("门店编号").fill(store)
    page.get_by_role("button", name="创建该用户").click()
    password_field = page.get_by_label("密码")
    expect(password_field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("至少 10 个字符，不能是最常见的密码，也不能包含用户名。")).to_be_visible()
    expect(password_field).to_have_value("")
    password = f"suzhou-store-{n}-passphrase"
    password_field.fill(password)
    page.get_by_role("button", name="创建该用户").click()
    expect(page.get_by_text("用户已创建")).to_be_visible()
    expect(page.locator("main")).to_contain_text(store)
    expect(page.locator("main")).not_to_contain_text(password)
    assert password not in page.url

    # The agent, at another desk, finds their store's customer and not the other store's.
    agent = new_context_page(browser)
    sign_in(agent, base, username, password)
    eventually(lambda: agent.goto(f"{base}/search?q={mine}") and agent.inner_text("main"),
               lambda shown: f"本店客户{n}" in shown)
    expect(agent.locator("main").get_by_role("listitem").filter(has_text=f"本店客户{n}")).to_be_visible()
    agent.goto(f"{base}/search?q={theirs}")
    expect(agent.locator("main")).to_contain_text("没有与")
    expect(agent.locator("main")).not_to_contain_text(f"外店客户{n}")
    agent.context.close()

    # Deactivated, they can sign in no more; the list says so.
    page.get_by_role("button", name="停用该用户").click()
    expect(page.get_by_text("该用户已停用，无法再登录。")).to_be_visible()
    expect(page.get_by_role("button", name="重新启用该用户")).to_be_visible()

    switch_language(page, "English")
    page.goto(f"{base}/admin/users")
    expect(page.get_by_role("button", name="Create the user")).to_be_visible()
    check_screen(page, "admin-users")
    page.goto(f"{base}/admin/stores")
    expect(page.get_by_role("button", name="Open the store")).to_be_visible()
    check_screen(page, "admin-stores")


def test_an_api_key_shown_once_works_until_revoked(page, base):
    name = f"DMS 同步 {random.randrange(10**6)}"
    sign_in(page, base, "admin", ADMIN_PASSWORD)
    page.goto(f"{base}/admin/api-keys")
    page.get_by_label("密钥名称（使用它的系统）").fill(name)
    page.get_by_role("button", name="创建密钥").click()
    expect(page.get_by_text("请立即复制密钥：它仅显示这一次")).to_be_visible()
    secret = page.get_by_label("密钥（调用时放在 X-API-Key 请求头中）").input_value()
    assert len(secret) >= 20 and secret not in page.url

    called = httpx.get(f"{base}/api/v1/stores", headers={"X-API-Key": secret}, timeout=15)
    assert called.status_code == 200, called.text

    # Shown once: the list has its name only.
    page.goto(f"{base}/admin/api-keys")
    expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    assert secret not in page.content()
    check_screen(page, "admin-api-keys")

    # Revoking asks first.
    page.get_by_role("button", name=f"吊销密钥“{name}”…").click()
    expect(page.get_by_role("heading", name=f"吊销密钥“{name}”？")).to_be_visible()
    page.get_by_role("button", name="吊销密钥", exact=True).click()
    expect(page.get_by_text(f"密钥“{name}”已吊销，不再可用。")).to_be_visible()
    expect(page.get_by_role("button", name=f"吊销密钥“{name}”…")).to_have_count(0)

    refused, _ = eventually(lambda: httpx.get(f"{base}/api/v1/stores", headers={"X-API-Key": secret}, timeout=15),
                            lambda response: response.status_code == 401)
    assert refused.status_code == 401

    switch_language(page, "English")
    expect(page.get_by_role("button", name="Create the key")).to_be_visible()
    check_screen(page, "admin-api-keys")
