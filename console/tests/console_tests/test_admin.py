"""The Administration screens against a fake API: users (list, create, role and stores, deactivate, password),
API keys (the secret shown once, revoke behind a confirmation) and stores (list, open, edit)."""
from __future__ import annotations

import re

import httpx
import pytest

from console_tests.conftest import sign_in
from console_tests.fakeapi import envelope, page, problem

EVIL = "<img src=x onerror=alert(1)>"
LI = {"username": "li.si", "display_name": "李四", "role": "agent", "active": True, "stores": ["sh01"],
      "contacts": {"phone": "13800000001", "email": None, "wechat_openid": None}, "version": 3,
      "created_at": "2026-11-01T02:00:00+00:00", "updated_at": "2026-11-02T02:00:00+00:00"}
GONE = {**LI, "username": "old.hand", "display_name": "老员工", "active": False, "stores": []}
KEY = {"id": "k-1", "name": "DMS 同步", "role": "integration", "active": True, "stores": ["sh01"],
       "created_at": "2026-11-20T02:00:00+00:00", "created_by": "admin", "revoked_at": None}
SECRET = "gxk_s3cr3t-value-0123456789"
STORE = {"id": "sh01", "name": "上海浦东店", "region": {"province": "上海市", "city": "上海市", "district": "浦东新区"},
         "address": "张杨路 1 号", "customers": 1234, "created_at": "2026-01-01T00:00:00+00:00"}


@pytest.fixture
def admin(app):
    return sign_in(app, "admin", "admin")


def text(response) -> str:
    return response.get_data(as_text=True)


# -- users ----------------------------------------------------------------------------------------------------


def test_users_list_shows_each_user_with_role_stores_and_state_paginated_on_the_server(admin, fake_api):
    fake_api.on("GET", r"/users", page([LI, GONE], total=45))
    body = text(admin.get("/admin/users?page=2"))
    assert "li.si" in body and "李四" in body and "客服专员" in body and "sh01" in body
    assert "已停用" in body and "全集团" in body
    assert "第 2 页" in body or "45" in body
    sent = fake_api.sent("GET", r"/users")[-1]
    assert sent.url.params["page"] == "2" and sent.url.params["page_size"] == "20"
    assert 'action="/admin/users"' in body  # the create form, for an admin


def test_create_user_sends_what_the_api_takes_and_opens_the_new_user(admin, fake_api):
    fake_api.on("GET", r"/users", page([]))
    fake_api.on("POST", r"/users", httpx.Response(201, json={**LI, "username": "chen.jl"}))
    admin.get("/admin/users")
    response = admin.post("/admin/users", {"username": "chen.jl", "display_name": "陈经理", "password": "Zx9-long-pass",
                                           "role": "manager", "stores": "sh01，sz02", "phone": "13900000000",
                                           "email": "", "wechat_openid": ""})
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/users/chen.jl")
    assert "Zx9" not in response.headers["Location"]
    assert fake_api.body("POST", r"/users") == {
        "username": "chen.jl", "password": "Zx9-long-pass", "role": "manager", "stores": ["sh01", "sz02"],
        "display_name": "陈经理", "contacts": {"phone": "13900000000"}}


def test_create_user_422_puts_the_password_rules_and_messages_beside_the_fields(admin, fake_api):
    fake_api.on("GET", r"/users", page([]))
    fake_api.on("POST", r"/users", problem(422, "The request body has invalid fields", errors={
        "password": ["Shorter than minimum length 10."], "contacts.phone": ["A phone number: digits."]}))
    admin.get("/admin/users")
    response = admin.post("/admin/users", {"username": "chen.jl", "password": "short", "role": "agent",
                                           "phone": "abc"})
    body = text(response)
    assert response.status_code == 422
    assert 'id="new-password-error">Shorter than minimum length 10.' in body
    assert 'id="new-phone-error">A phone number: digits.' in body
    assert "至少 10 个字符" in body  # the rules, beside the field
    assert 'value="chen.jl"' in body and 'value="short"' not in body  # the password is never sent back
    assert re.search(r'id="new-password"[^>]*type="password" value=""[^>]* autocomplete="new-password">', body)


def test_create_user_409_says_the_username_is_taken_in_words(admin, fake_api):
    fake_api.on("GET", r"/users", page([LI]))
    fake_api.on("POST", r"/users", problem(409, "The username 'li.si' is taken."))
    admin.get("/admin/users")
    response = admin.post("/admin/users", {"username": "li.si", "password": "Zx9-long-pass", "role": "agent"})
    assert response.status_code == 409
    assert "无法完成" in text(response) and "The username &#39;li.si&#39; is taken." in text(response)


def test_user_page_changes_role_and_stores(admin, fake_api):
    fake_api.on("GET", r"/users/li\.si", LI)
    fake_api.on("PATCH", r"/users/li\.si", {**LI, "role": "manager"})
    body = text(admin.get("/admin/users/li.si"))
    assert "李四" in body and "13800000001" in body
    response = admin.post("/admin/users/li.si/access", {"role": "manager", "stores": "sh01, sz02",
                                                        "display_name": "李四"})
    assert response.status_code == 302
    assert fake_api.body("PATCH", r"/users/li\.si") == {"role": "manager", "stores": ["sh01", "sz02"],
                                                        "display_name": "李四"}
    assert "角色和门店已保存" in text(admin.get(response.headers["Location"]))


def test_deactivate_and_reactivate_a_user(admin, fake_api):
    fake_api.on("GET", r"/users/li\.si", LI)
    fake_api.on("PATCH", r"/users/li\.si", {**LI, "active": False})
    body = text(admin.get("/admin/users/li.si"))
    assert "停用该用户" in body
    response = admin.post("/admin/users/li.si/active", {"active": "false"})
    assert fake_api.body("PATCH", r"/users/li\.si") == {"active": False}
    fake_api.on("GET", r"/users/li\.si", {**LI, "active": False})
    body = text(admin.get(response.headers["Location"]))
    assert "已停用" in body and "重新启用该用户" in body
    admin.post("/admin/users/li.si/active", {"active": "true"})
    assert fake_api.body("PATCH", r"/users/li\.si") == {"active": True}


def test_last_admin_409_is_said_in_words_beside_the_form(admin, fake_api):
    fake_api.on("GET", r"/users/admin", {**LI, "username": "admin", "role": "admin", "stores": []})
    fake_api.on("PATCH", r"/users/admin", problem(409, "'admin' is the last active admin; make another admin first."))
    admin.get("/admin/users/admin")
    response = admin.post("/admin/users/admin/active", {"active": "false"})
    assert response.status_code == 409 and "last active admin" in text(response)


def test_reset_password_sends_it_once_and_never_shows_it(admin, fake_api):
    fake_api.on("GET", r"/users/li\.si", LI)
    fake_api.on("PATCH", r"/users/li\.si", problem(422, "invalid", errors={
        "password": ["This is one of the most common passwords; choose another."]}))
    admin.get("/admin/users/li.si")
    response = admin.post("/admin/users/li.si/password", {"password": "password123"})
    body = text(response)
    assert response.status_code == 422
    assert "This is one of the most common passwords" in body and "password123" not in body
    fake_api.on("PATCH", r"/users/li\.si", LI)
    response = admin.post("/admin/users/li.si/password", {"password": "N3w-secret-pass"})
    assert fake_api.body("PATCH", r"/users/li\.si") == {"password": "N3w-secret-pass"}
    assert "N3w" not in response.headers["Location"]
    assert "N3w" not in text(admin.get(response.headers["Location"]))


def test_a_manager_sees_users_without_any_admin_action(manager, fake_api):
    fake_api.on("GET", r"/users", page([{k: LI[k] for k in ("username", "display_name", "role", "stores",
                                                            "active")}]))
    fake_api.on("GET", r"/stores", envelope([STORE]))
    fake_api.on("GET", r"/api-keys", problem(403, "Only admins may do this."))
    body = text(manager.get("/admin/users"))
    assert "li.si" in body
    assert 'action="/admin/users"' not in body
    assert "创建用户" not in body and "/admin/users/li.si" not in body
    stores = text(manager.get("/admin/stores"))
    assert "上海浦东店" in stores and "开设门店" not in stores and 'action="/admin/stores"' not in stores
    keys = manager.get("/admin/api-keys")
    assert "创建 API 密钥" not in text(keys) and "没有权限" in text(keys)


def test_the_gateway_down_says_unavailable(admin, fake_api):
    fake_api.on("GET", r"/users", problem(503, "down", service="gateway"))
    fake_api.on("GET", r"/stores", problem(503, "down", service="customer"))
    body = text(admin.get("/admin/users"))
    assert "暂时不可用" in body and "创建用户" in body
    assert "客户档案" in text(admin.get("/admin/stores"))


def test_a_name_with_markup_is_shown_as_text(admin, fake_api):
    fake_api.on("GET", r"/users", page([{**LI, "display_name": EVIL}]))
    fake_api.on("GET", r"/api-keys", page([{**KEY, "name": EVIL}]))
    for path in ("/admin/users", "/admin/api-keys"):
        body = text(admin.get(path))
        assert EVIL not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


# -- API keys -------------------------------------------------------------------------------------------------


def test_api_keys_list_shows_names_never_secrets(admin, fake_api):
    fake_api.on("GET", r"/api-keys", page([KEY, {**KEY, "id": "k-2", "name": "旧接口", "active": False,
                                                 "revoked_at": "2026-11-25T02:00:00+00:00"}]))
    body = text(admin.get("/admin/api-keys"))
    assert "DMS 同步" in body and "旧接口" in body and "已吊销" in body
    assert "<th scope=\"col\">密钥名称</th>" in body
    assert body.count("吊销…") == 1  # only the active key may be revoked


def test_a_new_key_is_shown_once_with_a_warning_then_only_its_name(admin, fake_api):
    fake_api.on("GET", r"/api-keys", page([KEY]))
    fake_api.on("POST", r"/api-keys", httpx.Response(201, json={**KEY, "key": SECRET}))
    admin.get("/admin/api-keys")
    response = admin.post("/admin/api-keys", {"name": "DMS 同步", "role": "integration", "stores": "sh01"})
    body = text(response)
    assert response.status_code == 201 and SECRET in body
    assert "仅显示这一次" in body and response.headers["Cache-Control"] == "no-store"
    assert fake_api.body("POST", r"/api-keys") == {"name": "DMS 同步", "role": "integration", "stores": ["sh01"]}
    again = text(admin.get("/admin/api-keys"))
    assert SECRET not in again and "DMS 同步" in again


def test_create_key_422_beside_the_name(admin, fake_api):
    fake_api.on("GET", r"/api-keys", page([]))
    fake_api.on("POST", r"/api-keys", problem(422, "invalid", errors={"name": ["Length must be between 1 and 100."]}))
    admin.get("/admin/api-keys")
    response = admin.post("/admin/api-keys", {"name": "", "role": "integration"})
    assert response.status_code == 422 and 'id="key-name-error">Length must be between 1 and 100.' in text(response)


def test_revoke_asks_first_then_revokes(admin, fake_api):
    fake_api.on("GET", r"/api-keys", page([KEY]))
    fake_api.on("DELETE", r"/api-keys/k-1", httpx.Response(204))
    body = text(admin.get("/admin/api-keys"))
    assert 'action="/admin/api-keys/k-1/revoke"' not in body  # no revoke without the question first
    body = text(admin.get("/admin/api-keys?confirm=k-1"))
    assert "吊销密钥“DMS 同步”？" in body and 'action="/admin/api-keys/k-1/revoke"' in body
    assert not fake_api.sent("DELETE", r"/api-keys/k-1")
    response = admin.post("/admin/api-keys/k-1/revoke", {"name": "DMS 同步"})
    assert response.status_code == 302 and len(fake_api.sent("DELETE", r"/api-keys/k-1")) == 1
    assert "已吊销，不再可用" in text(admin.get(response.headers["Location"]))


# -- stores ---------------------------------------------------------------------------------------------------


def test_stores_list_open_and_edit(admin, fake_api):
    fake_api.on("GET", r"/stores", envelope([STORE], total=1))
    fake_api.on("POST", r"/stores", httpx.Response(201, json={**STORE, "id": "sz01", "customers": 0}))
    body = text(admin.get("/admin/stores"))
    assert "上海浦东店" in body and "浦东新区" in body and "1234" in body
    response = admin.post("/admin/stores", {"id": "sz01", "name": "深圳南山店", "province": "广东省", "city": "深圳市",
                                            "district": "", "address": ""})
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/stores/sz01")
    assert fake_api.body("POST", r"/stores") == {"id": "sz01", "name": "深圳南山店", "address": None, "region": {
        "province": "广东省", "city": "深圳市", "district": None}}
    fake_api.on("GET", r"/stores/sh01", STORE)
    fake_api.on("PATCH", r"/stores/sh01", {**STORE, "name": "上海浦东旗舰店"})
    body = text(admin.get("/admin/stores/sh01"))
    assert 'value="张杨路 1 号"' in body
    response = admin.post("/admin/stores/sh01", {"name": "上海浦东旗舰店", "province": "上海市", "city": "上海市",
                                                 "district": "浦东新区", "address": "张杨路 1 号"})
    assert response.status_code == 302
    assert fake_api.body("PATCH", r"/stores/sh01")["name"] == "上海浦东旗舰店"


def test_store_create_409_and_422(admin, fake_api):
    fake_api.on("GET", r"/stores", envelope([STORE]))
    fake_api.on("POST", r"/stores", problem(409, "There is already a store 'sh01'."))
    admin.get("/admin/stores")
    response = admin.post("/admin/stores", {"id": "sh01", "name": "x"})
    assert response.status_code == 409 and "There is already a store &#39;sh01&#39;." in text(response)
    fake_api.on("POST", r"/stores", problem(422, "invalid", errors={"id": ["1 to 40 of a-z."],
                                                                    "region.city": ["Too long."]}))
    body = text(admin.post("/admin/stores", {"id": "上海", "name": "x", "city": "x" * 60}))
    assert 'id="new-store-id-error">1 to 40 of a-z.' in body and 'id="new-store-city-error">Too long.' in body


def test_manage_page_lists_the_admin_tools_for_an_admin_only(admin, manager):
    assert "/admin/users" in text(admin.get("/manage")) and "/admin/api-keys" in text(admin.get("/manage"))
    assert "/admin/users" not in text(manager.get("/manage"))
