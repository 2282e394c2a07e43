"""A user can be tied to stores: the token carries them to the services, which limit what the user sees."""
from __future__ import annotations

import jwt
from servicekit.auth import verify_session_token, verify_token
from servicekit.testing import TEST_SECRET


def _token(client, username: str, password: str = "jaderiver1") -> str:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}).get_json()[
        "access_token"]


def test_a_user_tied_to_stores_gets_a_token_that_names_them(client, admin):
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "wang.fang", "password": "jaderiver1", "role": "agent", "stores": ["sh02", "sh01", "sh01"]})
    assert created.status_code == 201
    assert created.get_json()["stores"] == ["sh01", "sh02"]
    identity = verify_session_token(TEST_SECRET, _token(client, "wang.fang"))[0]
    assert identity.stores == ("sh01", "sh02")
    assert identity.store_scope == {"sh01", "sh02"}


def test_a_user_of_the_whole_group_has_no_stores_in_the_token(client, admin):
    client.post("/api/v1/users", headers=admin, json={"username": "zhou", "password": "jaderiver1", "role": "manager"})
    assert client.get("/api/v1/users/zhou", headers=admin).get_json()["stores"] == []
    claims = jwt.decode(_token(client, "zhou"), options={"verify_signature": False})
    assert "stores" not in claims
    assert verify_session_token(TEST_SECRET, _token(client, "zhou"))[0].store_scope is None


def test_admin_moves_a_user_to_other_stores_and_the_next_token_says_so(client, admin):
    client.post("/api/v1/users", headers=admin, json={
        "username": "li", "password": "jaderiver1", "role": "agent", "stores": ["sh01"]})
    changed = client.patch("/api/v1/users/li", headers=admin, json={"stores": ["bj01"]})
    assert changed.status_code == 200 and changed.get_json()["stores"] == ["bj01"]
    assert verify_session_token(TEST_SECRET, _token(client, "li"))[0].stores == ("bj01",)
    assert client.patch("/api/v1/users/li", headers=admin, json={"role": "viewer"}).get_json()["stores"] == ["bj01"]
    client.patch("/api/v1/users/li", headers=admin, json={"stores": []})
    assert verify_session_token(TEST_SECRET, _token(client, "li"))[0].stores == ()


def test_a_bad_store_id_is_422_and_creates_nothing(client, admin):
    response = client.post("/api/v1/users", headers=admin, json={
        "username": "bad", "password": "jaderiver1", "role": "agent", "stores": ["Shanghai Store!"]})
    assert response.status_code == 422
    assert "stores.0" in response.get_json()["errors"]
    assert client.get("/api/v1/users/bad", headers=admin).status_code == 404


def test_the_stores_path_goes_to_the_customer_service(client, admin, upstreams):
    seen = client.get("/api/v1/stores/sh01", headers=admin).get_json()
    assert seen["service"] == "customer" and seen["path"] == "/api/v1/stores/sh01"


def test_an_api_key_tied_to_a_store_passes_it_on_to_the_services(client, admin, upstreams):
    created = client.post("/api/v1/api-keys", headers=admin, json={"name": "sz-dms", "stores": ["sz01"]})
    assert created.status_code == 201 and created.get_json()["stores"] == ["sz01"]
    seen = client.get("/api/v1/customers", headers={"X-API-Key": created.get_json()["key"]}).get_json()
    identity = verify_token(TEST_SECRET, seen["headers"]["Authorization"].removeprefix("Bearer "))
    assert (identity.kind, identity.stores) == ("api_key", ("sz01",))
    group = client.post("/api/v1/api-keys", headers=admin, json={"name": "bi"}).get_json()
    assert group["stores"] == [] and client.get("/api/v1/api-keys", headers=admin).status_code == 200


def test_stores_are_checked_with_the_customer_service_which_owns_them(client, admin, upstreams):
    client.post("/api/v1/users", headers=admin, json={"username": "li", "password": "jaderiver1", "role": "agent",
                                                      "stores": ["sh01"]})
    asked = [seen["path"] for seen in upstreams["customer"].received]
    assert asked == ["/api/v1/stores/sh01"]
    upstreams["customer"].answer_with(status=404, body=b"{}")  # the customer service knows no such store
    refused = client.post("/api/v1/users", headers=admin, json={
        "username": "wang", "password": "jaderiver1", "role": "agent", "stores": ["sh99"]})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"stores": ["There is no store 'sh99'."]}
    assert client.get("/api/v1/users/wang", headers=admin).status_code == 404  # nothing was created
    assert client.patch("/api/v1/users/li", headers=admin, json={"stores": ["sh99"]}).status_code == 422
    assert client.get("/api/v1/users/li", headers=admin).get_json()["stores"] == ["sh01"]
    key = client.post("/api/v1/api-keys", headers=admin, json={"name": "dms", "role": "agent", "stores": ["sh99"]})
    assert key.status_code == 422


def test_stores_cannot_be_given_while_the_customer_service_is_down(client, admin, upstreams):
    upstreams["customer"].stop()
    response = client.post("/api/v1/users", headers=admin, json={
        "username": "wang", "password": "jaderiver1", "role": "agent", "stores": ["sh01"]})
    assert response.status_code == 503 and response.get_json()["service"] == "customer"
    assert client.get("/api/v1/users/wang", headers=admin).status_code == 404
    # a user of the whole group needs no store check
    assert client.post("/api/v1/users", headers=admin, json={
        "username": "zhou", "password": "jaderiver1", "role": "manager"}).status_code == 201
