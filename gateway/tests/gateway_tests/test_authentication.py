"""Nobody passes the door without a good bearer token or API key; tokens come from the token endpoint."""
from __future__ import annotations

import time

import jwt
import pytest
from gateway.service_layer import accounts
from servicekit.auth import LEEWAY_SECONDS, Identity, issue_token, verify_session_token
from servicekit.testing import TEST_SECRET
from servicekit.webapp import service_context


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Basic YWRtaW46c2VjcmV0"},
    {"Authorization": f"Bearer {issue_token('some-other-secret', Identity('mallory', 'admin'), 3600)}"},
    {"X-API-Key": "gx_0123456789abcdef_" + "A" * 43},
    {"X-API-Key": "guessing"},
])
def test_missing_or_bad_credentials_are_401_and_reach_no_service(client, upstreams, headers):
    response = client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Unauthorized"
    assert response.headers["X-Request-ID"]
    assert not upstreams["customer"].received


def test_token_endpoint_issues_a_bearer_token_for_the_users_role(client):
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "first-owner-passphrase"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    identity, _ = verify_session_token(TEST_SECRET, body["access_token"])
    assert (identity.subject, identity.role) == ("admin", "admin")
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 3600


def test_wrong_password_and_unknown_user_get_the_same_401(client):
    wrong = client.post("/api/v1/auth/token", json={"username": "admin", "password": "not-the-password"})
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert "access_token" not in wrong.get_json()


def test_token_request_without_fields_is_422_naming_them(client):
    response = client.post("/api/v1/auth/token", json={"username": "admin"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"password"}


def test_token_stops_working_when_it_expires(make_gateway):
    client = make_gateway(TOKEN_TTL="1").test_client()
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "first-owner-passphrase"})
    assert response.get_json()["expires_in"] == 1
    headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    time.sleep(1.1 + LEEWAY_SECONDS)  # the clocks of the gateway's replicas may differ by that much
    expired = client.get("/api/v1/customers", headers=headers)
    assert expired.status_code == 401
    assert "expired" in expired.get_json()["detail"]


def test_first_admin_is_created_only_once(make_gateway):
    app = make_gateway()
    make_gateway(ADMIN_PASSWORD="a-different-password")  # a restart with another password changes nothing
    sessions = service_context(app).sessions
    users, total = accounts.list_users(sessions, 0, 10)
    assert total == 1 and users[0].username == "admin"
    assert accounts.login(sessions, "admin", "first-owner-passphrase") is not None
    assert accounts.login(sessions, "admin", "a-different-password") is None


def test_without_admin_password_no_admin_is_created_and_the_reason_is_logged(make_gateway, caplog):
    app = make_gateway(ADMIN_PASSWORD="")
    assert accounts.list_users(service_context(app).sessions, 0, 10) == ([], 0)
    assert "CRM_ADMIN_PASSWORD" in caplog.text


@pytest.mark.parametrize("password", ["admin12345", "1234567890", "short"])
def test_a_weak_admin_password_creates_no_admin_and_says_why(make_gateway, caplog, password):
    app = make_gateway(ADMIN_PASSWORD=password)
    assert accounts.list_users(service_context(app).sessions, 0, 10) == ([], 0)
    assert "CRM_ADMIN_PASSWORD is not acceptable" in caplog.text


def test_public_endpoints_need_no_credentials(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_me_names_the_caller_and_ends_with_the_session(client, admin):
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "li.si", "password": "li-si-first-passphrase", "role": "agent", "display_name": "李四"})
    assert created.status_code == 201, created.get_json()
    token = client.post("/api/v1/auth/token", json={"username": "li.si", "password": "li-si-first-passphrase"})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.get_json() == {"username": "li.si", "kind": "user", "display_name": "李四", "role": "agent",
                             "stores": []}
    client.patch("/api/v1/users/li.si", headers=admin, json={"role": "viewer"})
    ended = client.get("/api/v1/auth/me", headers=headers)
    assert ended.status_code == 401
