"""The gateway forwards each /api/v1 prefix to its service and passes everything a client needs both ways."""
from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from servicekit.auth import verify_token
from servicekit.testing import TEST_SECRET
from werkzeug.serving import make_server

ROUTES = [("/api/v1/customers", "customer"), ("/api/v1/customers/42/visits", "customer"),
          ("/api/v1/complaints/7", "complaint"), ("/api/v1/reminders", "reminder"),
          ("/api/v1/appointments/3", "reminder"), ("/api/v1/reports/complaints", "reporting")]


@pytest.mark.parametrize(("path", "service"), ROUTES)
def test_each_prefix_reaches_its_service_with_path_unchanged(client, admin, upstreams, path, service):
    response = client.get(path, headers=admin)
    assert response.status_code == 200
    seen = response.get_json()
    assert seen["service"] == service
    assert seen["path"] == path
    assert all(not server.received for name, server in upstreams.items() if name != service)


def test_unknown_prefix_is_404_and_reaches_no_service(client, admin, upstreams):
    response = client.get("/api/v1/invoices", headers=admin)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert not any(server.received for server in upstreams.values())


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_method_body_and_headers_pass_through(client, admin, method):
    body = '{"name": "张三", "city": "上海"}'.encode()
    headers = {**admin, "Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
               "If-Match": '"v3"', "Idempotency-Key": "import-2024-001", "X-Request-ID": "req-123"}
    response = client.open("/api/v1/customers/42", method=method, data=body, headers=headers)
    seen = response.get_json()
    assert seen["method"] == method
    assert seen["body"].encode() == body  # byte for byte, Chinese unescaped
    for name in ("Content-Type", "Accept", "If-Match", "Idempotency-Key"):
        assert seen["headers"][name] == headers[name]
    assert seen["headers"]["X-Request-Id"] == "req-123"
    assert response.headers["X-Request-ID"] == "req-123"
    # The service gets a service token of its own for the same caller, never the session token.
    assert seen["headers"]["Authorization"] != admin["Authorization"]
    assert verify_token(TEST_SECRET, seen["headers"]["Authorization"].split()[1]).subject == "admin"


def test_query_string_passes_through_exactly(client, admin):
    response = client.get("/api/v1/customers?name=%E5%BC%A0%E4%B8%89&tag=vip&tag=gold&page=2", headers=admin)
    seen = response.get_json()
    assert seen["raw_uri"] == "/api/v1/customers?name=%E5%BC%A0%E4%B8%89&tag=vip&tag=gold&page=2"


def test_request_id_is_minted_when_absent_and_travels_upstream(client, admin):
    response = client.get("/api/v1/complaints", headers=admin)
    minted = response.headers["X-Request-ID"]
    assert len(minted) >= 16
    assert response.get_json()["headers"]["X-Request-Id"] == minted


def test_api_key_never_reaches_a_service_and_other_headers_stay_at_the_door(client, admin):
    response = client.get("/api/v1/customers", headers={**admin, "Cookie": "session=1", "X-Internal": "x"})
    seen = response.get_json()["headers"]
    assert "Cookie" not in seen and "X-Internal" not in seen


def test_response_status_and_headers_come_back(client, admin, upstreams):
    customer = upstreams["customer"]
    customer.answer_with(status=201, body='{"id": 42, "name": "王五"}'.encode(), headers={
        "ETag": '"abc"', "Location": f"{customer.url}/api/v1/customers/42",
        "Link": f'<{customer.url}/api/v1/customers?page=2>; rel="next"', "Retry-After": "30",
        "X-Powered-By": "echo"})
    response = client.post("/api/v1/customers", json={"name": "王五"}, headers=admin)
    assert response.status_code == 201
    assert response.get_json() == {"id": 42, "name": "王五"}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["ETag"] == '"abc"'
    assert response.headers["Retry-After"] == "30"
    # Absolute links to the service are rewritten to the gateway the client called.
    assert response.headers["Location"] == "http://localhost/api/v1/customers/42"
    assert response.headers["Link"] == '<http://localhost/api/v1/customers?page=2>; rel="next"'
    assert "X-Powered-By" not in response.headers
    assert response.headers["X-Request-ID"]


def test_service_errors_come_back_as_they_are(client, admin, upstreams):
    problem = b'{"title": "Unprocessable Entity", "status": 422, "errors": {"phone": ["bad"]}}'
    upstreams["complaint"].answer_with(status=422, body=problem, content_type="application/problem+json")
    response = client.post("/api/v1/complaints", json={}, headers=admin)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.data == problem


def test_upstream_down_is_a_fast_503_naming_the_service(client, admin, upstreams):
    upstreams["reminder"].stop()
    started = time.monotonic()
    response = client.get("/api/v1/appointments", headers=admin)
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["service"] == "reminder"
    assert "reminder" in response.get_json()["detail"]


def test_upstream_that_never_accepts_gives_503_within_3_seconds(make_gateway, login):
    # A listener whose backlog is full: the kernel drops new connection attempts, as with a host that is gone.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = [socket.socket() for _ in range(4)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
    client = make_gateway(COMPLAINT_URL=f"http://127.0.0.1:{listener.getsockname()[1]}").test_client()
    headers = login(client)
    started = time.monotonic()
    try:
        response = client.get("/api/v1/complaints", headers=headers)
    finally:
        for sock in [*fillers, listener]:
            sock.close()
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.get_json()["service"] == "complaint"


def test_upstream_slower_than_the_timeout_is_504(make_gateway, login, upstreams):
    client = make_gateway(GATEWAY_UPSTREAM_TIMEOUT="0.5").test_client()
    headers = login(client)
    upstreams["reporting"].delay = 2
    started = time.monotonic()
    response = client.get("/api/v1/reports/rfm", headers=headers)
    assert time.monotonic() - started < 1.5
    assert response.status_code == 504
    assert response.get_json()["service"] == "reporting"


def test_unconfigured_service_is_503(make_gateway, login, upstreams):
    client = make_gateway(REPORTING_URL="").test_client()
    response = client.get("/api/v1/reports", headers=login(client))
    assert response.status_code == 503
    assert "not configured" in response.get_json()["detail"]


def test_a_body_over_the_limit_is_refused_at_the_door_with_413(make_gateway, login, upstreams):
    client = make_gateway(MAX_REQUEST_BYTES="1000").test_client()
    headers = login(client)
    response = client.post("/api/v1/customers/imports", data=b"x" * 1001, headers=headers)
    assert response.status_code == 413
    problem = response.get_json()
    assert "1,000 bytes" in problem["detail"] and problem["limit_bytes"] == 1000
    assert upstreams["customer"].received == []  # never forwarded
    assert client.post("/api/v1/customers/imports", data=b"x" * 1000, headers=headers).status_code == 200


def test_large_body_streams_through_a_real_server(make_gateway, login, upstreams):
    app = make_gateway()
    headers = login(app.test_client())
    payload = bytes(range(256)) * 20_000  # 5 MB of every byte value
    upstreams["reporting"].answer_with(body=payload, content_type="text/csv",
                                       headers={"Content-Disposition": "attachment; filename=r.csv",
                                                "Vary": "Accept"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with httpx.stream("GET", f"http://127.0.0.1:{server.server_port}/api/v1/reports/export",
                          headers=headers, trust_env=False) as response:
            body = response.read()
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/csv"
            assert response.headers["content-disposition"] == "attachment; filename=r.csv"
            # the same URL answers JSON or CSV by Accept: a cache in between must know
            assert "Accept" in response.headers["vary"]
            assert response.headers["x-request-id"]
        assert body == payload
    finally:
        server.shutdown()
        server.server_close()


def test_forwarded_bearer_token_is_the_callers_own(client, admin):
    seen = client.get("/api/v1/customers", headers=admin).get_json()
    identity = verify_token(TEST_SECRET, seen["headers"]["Authorization"].split()[1])
    assert (identity.subject, identity.role, identity.kind) == ("admin", "admin", "user")


def test_options_gets_the_services_own_allow_header(client, admin, upstreams):
    upstreams["customer"].answer_with(200, headers={"Allow": "GET, HEAD, OPTIONS"}, body=b"", content_type="text/plain")
    response = client.options("/api/v1/customers/42/history", headers=admin)
    assert [seen["method"] for seen in upstreams["customer"].received] == ["OPTIONS"]
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_method_no_service_allows_is_the_services_405_with_its_allow_header(client, admin):
    response = client.open("/api/v1/customers/42", method="TRACE", headers=admin)
    assert response.status_code == 405
    # the service's methods (the echo here allows these), not every method the gateway forwards
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
