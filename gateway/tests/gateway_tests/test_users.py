"""Only admins manage users; the rules on usernames, roles and passwords hold."""
from __future__ import annotations

import pytest


def test_admin_creates_a_user_who_can_then_log_in(client, admin, login):
    response = client.post("/api/v1/users", headers=admin,
                           json={"username": "张伟", "password": "correct horse", "role": "agent"})
    assert response.status_code == 201
    assert response.get_json()["username"] == "张伟"
    assert response.get_json()["role"] == "agent" and response.get_json()["active"] is True
    assert "password" not in response.get_json() and "password_hash" not in response.get_json()
    assert "张伟".encode() in response.data  # unescaped UTF-8
    seen = client.get("/api/v1/customers", headers=login(client, "张伟", "correct horse")).get_json()
    assert seen["service"] == "customer"


@pytest.mark.parametrize("role", ["manager", "agent", "viewer", "integration"])
def test_non_admins_may_not_manage_users(client, admin, login, role):
    client.post("/api/v1/users", headers=admin, json={"username": "u1", "password": "jaderiver1", "role": role})
    headers = login(client, "u1", "jaderiver1")
    created = client.post("/api/v1/users", headers=headers,
                          json={"username": "u2", "password": "jaderiver2", "role": "admin"})
    assert created.status_code == 403
    assert created.mimetype == "application/problem+json"
    # those who assign work list the users they may assign to (test_assignable_users.py); a viewer assigns nothing
    assert client.get("/api/v1/users", headers=headers).status_code == (403 if role == "viewer" else 200)
    assert client.get("/api/v1/users/admin", headers=headers).status_code == 403
    assert client.patch("/api/v1/users/u1", headers=headers, json={"role": "admin"}).status_code == 403
    assert client.get("/api/v1/users/u1", headers=admin).get_json()["role"] == role


def test_duplicate_username_is_409(client, admin):
    body = {"username": "li.na", "password": "jaderiver1", "role": "viewer"}
    assert client.post("/api/v1/users", headers=admin, json=body).status_code == 201
    response = client.post("/api/v1/users", headers=admin, json={**body, "role": "admin"})
    assert response.status_code == 409
    assert "li.na" in response.get_json()["detail"]
    assert client.get("/api/v1/users/li.na", headers=admin).get_json()["role"] == "viewer"


@pytest.mark.parametrize(("body", "field"), [
    ({"username": "a", "password": "jaderiver1", "role": "boss"}, "role"),
    ({"username": "a", "password": "short", "role": "agent"}, "password"),
    ({"username": "has space", "password": "jaderiver1", "role": "agent"}, "username"),
    ({"password": "jaderiver1", "role": "agent"}, "username"),
])
def test_invalid_user_is_422_naming_the_field_and_creates_nothing(client, admin, body, field):
    response = client.post("/api/v1/users", headers=admin, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert client.get("/api/v1/users", headers=admin).get_json()[0]["username"] == "admin"
    assert len(client.get("/api/v1/users", headers=admin).get_json()) == 1


@pytest.mark.parametrize(("password", "message"), [
    ("jade-rive", "between 10 and 256"),
    ("1234567890", "most common"),
    ("Password123", "most common"),
    ("Liu.Yang-2024-spring", "username"),
])
def test_a_weak_password_is_422_on_creation_and_on_change(client, admin, login, password, message):
    created = client.post("/api/v1/users", headers=admin, json={"username": "liu.yang", "password": password,
                                                                 "role": "agent"})
    assert created.status_code == 422 and message in " ".join(created.get_json()["errors"]["password"])
    assert client.get("/api/v1/users/liu.yang", headers=admin).status_code == 404
    client.post("/api/v1/users", headers=admin, json={"username": "liu.yang", "password": "jaderiver1",
                                                      "role": "agent"})
    changed = client.patch("/api/v1/users/liu.yang", headers=admin, json={"password": password})
    assert changed.status_code == 422 and message in " ".join(changed.get_json()["errors"]["password"])
    assert login(client, "liu.yang", "jaderiver1")  # the old password still stands


def test_users_are_listed_a_page_at_a_time(client, admin):
    for name in ("c", "a", "b"):
        client.post("/api/v1/users", headers=admin, json={"username": name, "password": "jaderiver1", "role": "agent"})
    page = client.get("/api/v1/users?page=1&page_size=2", headers=admin)
    assert [user["username"] for user in page.get_json()] == ["a", "admin"]
    assert '"total": 4' in page.headers["X-Pagination"]


def test_unknown_user_is_404(client, admin):
    assert client.get("/api/v1/users/ghost", headers=admin).status_code == 404
    assert client.patch("/api/v1/users/ghost", headers=admin, json={"active": False}).status_code == 404


def test_patch_changes_role_and_password(client, admin, login):
    client.post("/api/v1/users", headers=admin, json={"username": "wang", "password": "jaderiver1", "role": "agent"})
    response = client.patch("/api/v1/users/wang", headers=admin, json={"role": "manager", "password": "jaderiver2"})
    assert response.status_code == 200 and response.get_json()["role"] == "manager"
    assert client.post("/api/v1/auth/token", json={"username": "wang", "password": "jaderiver1"}).status_code == 401
    seen = client.get("/api/v1/customers", headers=login(client, "wang", "jaderiver2")).get_json()
    assert seen["headers"]["Authorization"].startswith("Bearer ")


def test_deactivated_user_can_no_longer_get_a_token(client, admin):
    client.post("/api/v1/users", headers=admin, json={"username": "zhao", "password": "jaderiver1", "role": "agent"})
    assert client.patch("/api/v1/users/zhao", headers=admin, json={"active": False}).get_json()["active"] is False
    response = client.post("/api/v1/auth/token", json={"username": "zhao", "password": "jaderiver1"})
    assert response.status_code == 401


def test_patch_with_bad_fields_is_422_and_changes_nothing(client, admin):
    client.post("/api/v1/users", headers=admin, json={"username": "qian", "password": "jaderiver1", "role": "agent"})
    response = client.patch("/api/v1/users/qian", headers=admin, json={"role": "boss", "password": "x"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"role", "password"}
    assert client.get("/api/v1/users/qian", headers=admin).get_json()["role"] == "agent"


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, admin):
    assert client.patch("/api/v1/users/admin", headers=admin, json={"role": "viewer"}).status_code == 409
    assert client.patch("/api/v1/users/admin", headers=admin, json={"active": False}).status_code == 409
    client.post("/api/v1/users", headers=admin, json={"username": "root2", "password": "jaderiver1", "role": "admin"})
    assert client.patch("/api/v1/users/admin", headers=admin, json={"role": "viewer"}).status_code == 200
