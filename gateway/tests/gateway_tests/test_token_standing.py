"""A token stands only for what its user is now: deactivation, a new role, new stores or a new password end the
user's old session token at the gateway, and nothing it got from the gateway outlives a service token's seconds."""
from __future__ import annotations

import time

import jwt
import pytest
from flask import Flask, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from gateway.service_layer import standing
from servicekit.auth import current_identity, requires, verify_session_token, verify_token
from servicekit.testing import TEST_SECRET
from servicekit.webapp import create_service_app

from servicekit import auth

PASSWORD = "Jade-river-4821"
NEW_PASSWORD = "Copper-kettle-9375"

probe = Blueprint("probe", __name__, url_prefix="/api/v1/probe")


@probe.route("")
class Probe(MethodView):
    @requires("manage")
    def post(self):
        identity = current_identity()
        return jsonify(subject=identity.subject, role=identity.role, stores=list(identity.stores))


@pytest.fixture
def service(make_settings) -> Flask:
    """A service's door as every service has it (servicekit.webapp), behind a view that needs a manager."""
    return create_service_app(make_settings("complaint"), "Probe", [probe], check_broker=False)


CHANGES = {
    "deactivation": {"active": False},
    "demotion": {"role": "agent"},
    "store change": {"stores": []},
    "password change": {"password": NEW_PASSWORD},
}


def _user_with_a_session(client, admin, login) -> dict[str, str]:
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "qian.jl", "password": PASSWORD, "role": "manager", "stores": ["sh01"]})
    assert created.status_code == 201, created.get_json()
    return login(client, "qian.jl", PASSWORD)


def _service_token(client, headers, upstreams) -> str:
    """The service token the gateway passes on for one request made with `headers`."""
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    return upstreams["complaint"].received[-1]["headers"]["Authorization"]


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_old_session_token_no_longer_stands_at_the_gateway(client, admin, login, upstreams, change):
    session = _user_with_a_session(client, admin, login)
    assert client.get("/api/v1/complaints", headers=session).status_code == 200
    assert client.patch("/api/v1/users/qian.jl", headers=admin, json=change).status_code == 200
    refused = client.get("/api/v1/complaints", headers=session)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert "no longer stands" in refused.get_json()["detail"] and "log in again" in refused.get_json()["detail"]
    assert len(upstreams["complaint"].received) == 1  # the refused request reached no service


def test_a_deactivated_admins_token_manages_nothing_at_the_gateway(client, admin, login):
    client.post("/api/v1/users", headers=admin, json={"username": "sun.it", "password": PASSWORD, "role": "admin"})
    rogue = login(client, "sun.it", PASSWORD)
    assert client.patch("/api/v1/users/sun.it", headers=admin, json={"active": False}).status_code == 200
    made = client.post("/api/v1/users", headers=rogue, json={"username": "x9", "password": PASSWORD, "role": "admin"})
    reenabled = client.patch("/api/v1/users/sun.it", headers=rogue, json={"active": True})
    key = client.post("/api/v1/api-keys", headers=rogue, json={"name": "backdoor", "role": "admin"})
    assert [made.status_code, reenabled.status_code, key.status_code] == [401, 401, 401]
    assert client.get("/api/v1/users/sun.it", headers=admin).get_json()["active"] is False
    assert client.get("/api/v1/api-keys", headers=admin).get_json() == []


def test_a_new_login_carries_the_new_rights(client, admin, login, upstreams):
    _user_with_a_session(client, admin, login)
    client.patch("/api/v1/users/qian.jl", headers=admin, json={"role": "agent", "stores": ["bj01"]})
    fresh = login(client, "qian.jl", PASSWORD)
    identity = verify_token(TEST_SECRET, _service_token(client, fresh, upstreams).split()[1])
    assert (identity.role, identity.stores) == ("agent", ("bj01",))


def test_after_deactivation_or_a_new_password_the_old_login_is_refused(client, admin, login):
    _user_with_a_session(client, admin, login)
    client.patch("/api/v1/users/qian.jl", headers=admin, json={"password": NEW_PASSWORD})
    assert client.post("/api/v1/auth/token", json={"username": "qian.jl", "password": PASSWORD}).status_code == 401
    assert login(client, "qian.jl", NEW_PASSWORD)
    client.patch("/api/v1/users/qian.jl", headers=admin, json={"active": False})
    assert client.post("/api/v1/auth/token", json={"username": "qian.jl", "password": NEW_PASSWORD}).status_code == 401


def test_an_unchanged_user_keeps_their_session(client, admin, login):
    session = _user_with_a_session(client, admin, login)
    same = client.patch("/api/v1/users/qian.jl", headers=admin, json={"role": "manager", "stores": ["sh01"]})
    assert same.status_code == 200
    assert client.get("/api/v1/complaints", headers=session).status_code == 200


def test_another_gateway_process_refuses_the_old_token_within_a_second(make_gateway, login):
    first, second = make_gateway().test_client(), make_gateway().test_client()  # one database, two processes
    admin = login(first)
    session = _user_with_a_session(first, admin, login)
    assert second.get("/api/v1/complaints", headers=session).status_code == 200  # the second now knows the user
    first.patch("/api/v1/users/qian.jl", headers=admin, json={"role": "viewer"})
    started = time.monotonic()
    while second.get("/api/v1/complaints", headers=session).status_code == 200:
        assert time.monotonic() - started < standing.MAX_AGE + 0.5, "the second process still lets the token in"
        time.sleep(0.05)


def test_the_gateway_passes_on_a_service_token_of_the_configured_seconds(make_gateway, login, upstreams):
    client = make_gateway().test_client()
    admin = login(client)
    key = client.post("/api/v1/api-keys", headers=admin, json={"name": "dms"}).get_json()["key"]
    for headers in (admin, {"X-API-Key": key}):
        claims = jwt.decode(_service_token(client, headers, upstreams).split()[1], options={"verify_signature": False})
        assert (claims["aud"], claims["exp"] - claims["iat"]) == ("guanxi-services", 10)
    short = make_gateway(SERVICE_TOKEN_TTL="3").test_client()
    claims = jwt.decode(_service_token(short, login(short), upstreams).split()[1], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 3


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_straight_at_a_service_neither_the_session_token_nor_an_old_service_token_works(
        make_gateway, login, upstreams, service, monkeypatch, change):
    monkeypatch.setattr(auth, "LEEWAY_SECONDS", 0)  # the clocks here are one clock
    client = make_gateway(SERVICE_TOKEN_TTL="2").test_client()  # at least one second left when first used
    admin = login(client)
    session = _user_with_a_session(client, admin, login)
    captured = _service_token(client, session, upstreams)
    direct = service.test_client()
    assert direct.post("/api/v1/probe", headers={"Authorization": captured}).get_json()["subject"] == "qian.jl"
    assert client.patch("/api/v1/users/qian.jl", headers=admin, json=change).status_code == 200

    refused = direct.post("/api/v1/probe", headers=session)
    assert refused.status_code == 401 and "through the gateway" in refused.get_json()["detail"]
    time.sleep(2.1)  # its expiry is at most two seconds after it was minted
    expired = direct.post("/api/v1/probe", headers={"Authorization": captured})
    assert expired.status_code == 401 and "expired" in expired.get_json()["detail"]


def test_the_session_token_names_the_users_token_version(client, admin, login):
    session = _user_with_a_session(client, admin, login)
    _, version = verify_session_token(TEST_SECRET, session["Authorization"].split()[1])
    client.patch("/api/v1/users/qian.jl", headers=admin, json={"role": "agent"})
    _, newer = verify_session_token(TEST_SECRET, login(client, "qian.jl", PASSWORD)["Authorization"].split()[1])
    assert newer == version + 1
