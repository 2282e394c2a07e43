"""Rate limits per credential, one per address on the token endpoint, and CORS for configured origins only."""
from __future__ import annotations


def test_over_the_limit_is_429_with_retry_after_per_credential(make_gateway, login):
    client = make_gateway(RATE_LIMIT="3/minute", TOKEN_RATE_LIMIT="100/minute").test_client()
    admin = login(client)
    client.post("/api/v1/users", headers=admin, json={"username": "agent1", "password": "jaderiver1", "role": "agent"})
    agent = login(client, "agent1", "jaderiver1")
    for _ in range(2):  # the user creation above was the admin's first request
        assert client.get("/api/v1/customers", headers=admin).status_code == 200
    refused = client.get("/api/v1/customers", headers=admin)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "3 per 1 minute" in refused.get_json()["detail"]
    # Another credential has its own allowance, and probes are never limited.
    assert client.get("/api/v1/customers", headers=agent).status_code == 200
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_api_key_has_its_own_allowance(make_gateway, login):
    client = make_gateway(RATE_LIMIT="2/minute").test_client()
    admin = login(client)
    key = client.post("/api/v1/api-keys", headers=admin, json={"name": "dms", "role": "integration"}).get_json()
    statuses = [client.get("/api/v1/reminders", headers={"X-API-Key": key["key"]}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_token_endpoint_has_a_tight_limit_per_client_address(make_gateway):
    client = make_gateway(TOKEN_RATE_LIMIT="3/minute").test_client()
    statuses = [client.post("/api/v1/auth/token", json={"username": "admin", "password": "guess"}).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 401]
    # Even the right password is refused now: guessing has to wait.
    refused = client.post("/api/v1/auth/token", json={"username": "admin", "password": "first-owner-passphrase"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    other = client.post("/api/v1/auth/token", json={"username": "admin", "password": "first-owner-passphrase"},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_cors_preflight_is_answered_for_a_configured_origin_only(make_gateway, upstreams):
    client = make_gateway(CORS_ORIGINS="https://console.example.cn, https://bi.example.cn").test_client()
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "Authorization, Content-Type, Idempotency-Key"}
    allowed = client.options("/api/v1/customers", headers={"Origin": "https://console.example.cn", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://console.example.cn"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "idempotency-key" in allowed.headers["Access-Control-Allow-Headers"].lower()
    refused = client.options("/api/v1/customers", headers={"Origin": "https://evil.example.com", **preflight})
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert not upstreams["customer"].received  # a preflight never reaches a service


def test_cors_exposes_request_id_etag_and_location(make_gateway, login):
    client = make_gateway(CORS_ORIGINS="https://console.example.cn").test_client()
    response = client.get("/api/v1/customers", headers={**login(client), "Origin": "https://console.example.cn"})
    exposed = {name.strip().lower() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-request-id", "etag", "location"} <= exposed


def test_no_cors_headers_without_configured_origins(client):
    response = client.options("/api/v1/customers", headers={"Origin": "https://console.example.cn",
                                                           "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in response.headers
