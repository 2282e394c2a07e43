"""The gateway's accounts on the real PostgreSQL it runs on in production."""
from __future__ import annotations

import pytest
from gateway.app import create_app
from gateway.config import MIGRATIONS
from servicekit.config import Settings
from servicekit.db import upgrade
from servicekit.testing import TEST_SECRET


@pytest.mark.integration
def test_users_and_api_keys_on_postgresql(postgres_database, tmp_path, upstreams):
    url = postgres_database("gateway")
    upgrade(url, MIGRATIONS)
    env = {"CRM_VAR_DIR": str(tmp_path), "CRM_AUTH_SECRET": TEST_SECRET, "CRM_GATEWAY_DATABASE_URL": url,
           "CRM_ADMIN_PASSWORD": "first-owner-passphrase",
           **{f"CRM_{name.upper()}_URL": server.url for name, server in upstreams.items()}}
    app = create_app(Settings.from_env("gateway", env))
    create_app(Settings.from_env("gateway", env))  # a second process starting creates no second admin
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": "first-owner-passphrase"})
    admin = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    user = {"username": "陈静", "password": "jaderiver1", "role": "manager"}
    assert client.post("/api/v1/users", headers=admin, json=user).status_code == 201
    assert client.post("/api/v1/users", headers=admin, json=user).status_code == 409
    assert client.patch("/api/v1/users/admin", headers=admin, json={"active": False}).status_code == 409
    assert [u["username"] for u in client.get("/api/v1/users", headers=admin).get_json()] == ["admin", "陈静"]
    key = client.post("/api/v1/api-keys", headers=admin, json={"name": "sms", "role": "integration"}).get_json()
    assert client.get("/api/v1/reminders", headers={"X-API-Key": key["key"]}).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{key['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/reminders", headers={"X-API-Key": key["key"]}).status_code == 401
    assert client.get("/readyz").get_json()["database"] == "ok"
