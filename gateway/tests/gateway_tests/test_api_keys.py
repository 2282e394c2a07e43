"""API keys: made by admins, shown once, exchanged at the door for a bearer token, revoked at once."""
from __future__ import annotations

from servicekit.auth import verify_token
from servicekit.testing import TEST_SECRET


def _create(client, admin, name="dms", role="integration"):
    response = client.post("/api/v1/api-keys", headers=admin, json={"name": name, "role": role})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_key_is_shown_once_and_lets_its_holder_in_as_its_identity(client, admin, upstreams):
    created = _create(client, admin, name="call-centre", role="agent")
    assert created["key"].startswith(f"gx_{created['id']}_")
    response = client.get("/api/v1/complaints?status=open", headers={"X-API-Key": created["key"]})
    assert response.status_code == 200
    seen = response.get_json()["headers"]
    assert "X-Api-Key" not in seen  # the secret stays at the door
    identity = verify_token(TEST_SECRET, seen["Authorization"].removeprefix("Bearer "))
    assert (identity.subject, identity.role, identity.kind) == (f"key:{created['id']}", "agent", "api_key")


def test_a_key_named_like_a_user_acts_as_itself_not_as_the_user(client, admin, upstreams):
    # Services keep idempotency keys and history under the caller: a key named "admin" must not be the admin.
    first, second = _create(client, admin, name="admin"), _create(client, admin, name="admin")
    subjects = []
    for created in (first, second):
        client.post("/api/v1/customers", headers={"X-API-Key": created["key"], "Idempotency-Key": "import-1"})
        token = upstreams["customer"].received[-1]["headers"]["Authorization"].removeprefix("Bearer ")
        subjects.append(verify_token(TEST_SECRET, token).subject)
    client.post("/api/v1/customers", headers={**admin, "Idempotency-Key": "import-1"})
    user = verify_token(TEST_SECRET, upstreams["customer"].received[-1]["headers"]["Authorization"].split()[1])
    assert subjects == [f"key:{first['id']}", f"key:{second['id']}"]
    assert user.subject == "admin" and user.subject not in subjects


def test_no_username_can_enter_the_keys_namespace(client, admin):
    response = client.post("/api/v1/users", headers=admin,
                           json={"username": "key:0123456789abcdef", "password": "Jade-river-4821", "role": "agent"})
    assert response.status_code == 422 and "username" in response.get_json()["errors"]


def test_listing_shows_keys_without_secrets(client, admin):
    created = _create(client, admin)
    listed = client.get("/api/v1/api-keys", headers=admin)
    assert listed.status_code == 200
    [key] = listed.get_json()
    assert key["id"] == created["id"] and key["name"] == "dms" and key["active"] is True
    assert key["created_by"] == "admin"
    assert "key" not in key and "secret_hash" not in key
    assert created["key"].split("_", 2)[2] not in listed.get_data(as_text=True)


def test_revoked_key_stops_working_at_once(client, admin):
    created = _create(client, admin)
    headers = {"X-API-Key": created["key"]}
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin).status_code == 204
    response = client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]
    [listed] = client.get("/api/v1/api-keys", headers=admin).get_json()
    assert listed["active"] is False and listed["revoked_at"]


def test_a_key_with_a_wrong_secret_is_401(client, admin):
    created = _create(client, admin)
    forged = created["key"][:-4] + ("AAAA" if not created["key"].endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/customers", headers={"X-API-Key": forged}).status_code == 401


def test_revoking_an_unknown_key_is_404(client, admin):
    assert client.delete("/api/v1/api-keys/0000000000000000", headers=admin).status_code == 404


def test_only_admins_manage_keys_and_a_key_cannot_make_keys(client, admin, login):
    client.post("/api/v1/users", headers=admin, json={"username": "mgr", "password": "jaderiver1", "role": "manager"})
    manager = login(client, "mgr", "jaderiver1")
    assert client.post("/api/v1/api-keys", headers=manager, json={"name": "x", "role": "agent"}).status_code == 403
    assert client.get("/api/v1/api-keys", headers=manager).status_code == 403
    key = _create(client, admin, role="admin")["key"]
    # A key's role counts like a user's: an admin key may manage keys, a viewer key may not.
    assert client.get("/api/v1/api-keys", headers={"X-API-Key": key}).status_code == 200
    viewer_key = _create(client, admin, name="bi", role="viewer")
    response = client.delete(f"/api/v1/api-keys/{viewer_key['id']}", headers={"X-API-Key": viewer_key["key"]})
    assert response.status_code == 403


def test_invalid_key_request_is_422(client, admin):
    response = client.post("/api/v1/api-keys", headers=admin, json={"name": "", "role": "root"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"name", "role"}
    assert client.get("/api/v1/api-keys", headers=admin).get_json() == []
