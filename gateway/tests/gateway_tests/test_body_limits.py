"""The login, which anyone may call, refuses JSON bodies too wide or too deep before validating them; bodies
forwarded to a service are held to the same bounds at the door."""
from __future__ import annotations

import json
import time

from gateway_tests.conftest import ADMIN_PASSWORD


def _post(client, path: str, body: str, **kwargs):
    return client.post(path, data=body, content_type="application/json", **kwargs)


def test_a_login_with_thousands_of_unknown_keys_is_a_quick_413(client):
    body = {"username": "admin", "password": ADMIN_PASSWORD, **{f"k{i}": 1 for i in range(30_000)}}
    started = time.perf_counter()
    response = _post(client, "/api/v1/auth/token", json.dumps(body))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "CRM_MAX_JSON_ITEMS" in response.get_json()["detail"]
    assert time.perf_counter() - started < 2  # validating these keys took seconds


def test_a_login_of_nested_brackets_or_a_giant_number_is_a_422_not_a_server_error(client):
    nested = _post(client, "/api/v1/auth/token", "[" * 1000 + "]" * 1000)
    assert nested.status_code == 422
    assert "CRM_MAX_JSON_DEPTH" in nested.get_json()["errors"]["_body"][0]
    number = _post(client, "/api/v1/auth/token", '{"username": "admin", "password": ' + "7" * 5000 + "}")
    assert number.status_code == 422
    assert number.mimetype == "application/problem+json"


def test_the_ordinary_login_still_works(client):
    body = {"username": "admin", "password": ADMIN_PASSWORD}
    assert _post(client, "/api/v1/auth/token", json.dumps(body)).status_code == 200


def test_a_forwarded_body_over_the_limit_never_reaches_the_service(client, admin, upstreams):
    response = _post(client, "/api/v1/customers", json.dumps({f"k{i}": 1 for i in range(5000)}), headers=admin)
    assert response.status_code == 413
    assert upstreams["customer"].received == []
