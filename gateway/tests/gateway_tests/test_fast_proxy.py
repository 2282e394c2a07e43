"""The fast path of proxied reads answers every read exactly as the Flask path does, and leaves everything else to it.

Each comparison sends the same request twice to one gateway: through the whole app (where a proxied read takes the
fast path) and straight to its Flask app (which the fast path stands in front of).
"""
from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from gateway.entrypoints.fast_proxy import FastProxy
from prometheus_client import REGISTRY
from werkzeug.test import Client, TestResponse

from gateway_tests.raw_services import RawSocketService

#: Sent with every compared request, so that both answers name the same request.
RID = {"X-Request-ID": "compare-1"}
#: Where the compared requests come from.
CLIENT = {"REMOTE_ADDR": "203.0.113.9"}


@dataclass
class Paths:
    """One gateway app, a client of its whole app and one of its Flask app only, and the requests that fell
    through the fast path to Flask."""

    app: Flask
    fast: Client
    flask: Client
    fell_through: list[str]

    def both(self, method: str, path: str, headers: dict[str, str], **kwargs) -> tuple[TestResponse, TestResponse]:
        """The answers of the whole app and of the Flask app alone; asserts the first was the fast path's."""
        before = len(self.fell_through)
        fast = self.fast.open(path, method=method, headers=headers, environ_base=CLIENT, **kwargs)
        assert len(self.fell_through) == before, f"{method} {path} fell through to Flask"
        return fast, self.flask.open(path, method=method, headers=headers, environ_base=CLIENT, **kwargs)

    def falls_through(self, method: str, path: str, headers: dict[str, str], **kwargs) -> TestResponse:
        """The whole app's answer to a request the fast path must leave to Flask."""
        before = len(self.fell_through)
        response = self.fast.open(path, method=method, headers=headers, environ_base=CLIENT, **kwargs)
        assert len(self.fell_through) == before + 1, f"{method} {path} did not fall through"
        return response


@pytest.fixture
def make_paths(make_gateway) -> Callable[..., Paths]:
    """`make_paths(**variables)`: Paths of a gateway made with those CRM_* variables."""

    def make(**variables: str) -> Paths:
        app = make_gateway(**variables)
        fast_proxy = app.wsgi_app
        assert isinstance(fast_proxy, FastProxy)
        fell_through: list[str] = []
        flask_app = fast_proxy.flask_app

        def counted(environ, start_response):
            fell_through.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            return flask_app(environ, start_response)

        fast_proxy.flask_app = counted
        return Paths(app, Client(app), Client(flask_app), fell_through)

    return make


@pytest.fixture
def paths(make_paths) -> Paths:
    """Paths of a gateway with the default configuration."""
    return make_paths()


@pytest.fixture
def token(paths, login) -> dict[str, str]:
    """The first admin's bearer token header, and the compared request id."""
    return {**login(paths.app.test_client()), **RID}


def assert_same(fast: TestResponse, flask: TestResponse) -> None:
    assert fast.status == flask.status
    assert fast.get_data() == flask.get_data()
    assert list(fast.headers.items()) == list(flask.headers.items())


READS = ["/api/v1/customers", "/api/v1/customers/42", "/api/v1/customers/42/visits?page=2&per_page=50",
         "/api/v1/customers?name=%E5%BC%A0%E4%B8%89&tag=vip&tag=gold", "/api/v1/customers/%E7%8E%8B%E4%BA%94/visits",
         "/api/v1/complaints/7", "/api/v1/reports/complaints?from=2026-01-01", "/api/v1/stores/store-sh-01"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("path", READS)
def test_a_read_is_answered_as_flask_answers_it(paths, token, upstreams, method, path):
    fast, flask = paths.both(method, path, {**token, "Accept": "application/json", "Accept-Language": "zh-CN"})
    assert fast.status_code == 200
    assert_same(fast, flask)
    assert fast.headers["X-Request-ID"] == "compare-1"
    assert fast.headers["Content-Type"] == "application/json"
    if method == "GET":
        seen = fast.get_json()
        assert seen["raw_uri"] == path  # percent-encoding and query exactly as sent
        assert seen["headers"]["X-Request-Id"] == "compare-1"
        assert seen["headers"]["Accept-Language"] == "zh-CN"
        assert seen["headers"]["X-Forwarded-For"] == "203.0.113.9"
        assert seen["headers"]["X-Forwarded-Host"] == "localhost"
        assert seen["headers"]["Authorization"] != token["Authorization"]
    else:
        assert fast.get_data() == b""
        assert upstreams["customer"].received or upstreams["complaint"].received or upstreams["reporting"].received


def test_a_minted_request_id_is_sent_on_and_returned(paths, token):
    headers = {"Authorization": token["Authorization"]}
    before = len(paths.fell_through)
    response = paths.fast.get("/api/v1/customers", headers=headers)
    assert len(paths.fell_through) == before
    minted = response.headers["X-Request-ID"]
    assert len(minted) >= 16 and minted != "compare-1"
    assert response.get_json()["headers"]["X-Request-Id"] == minted
    bad = paths.fast.get("/api/v1/customers", headers={**headers, "X-Request-ID": "no spaces allowed"})
    assert bad.headers["X-Request-ID"] != "no spaces allowed"


def test_cache_headers_and_a_304_pass_through_as_on_the_flask_path(paths, token, upstreams):
    customer = upstreams["customer"]
    customer.answer_with(body='{"id": 42, "name": "王五"}'.encode(), headers={
        "ETag": '"v7"', "Cache-Control": "private, max-age=0", "Last-Modified": "Tue, 01 Dec 2026 08:00:00 GMT",
        "Vary": "Accept-Language", "X-Powered-By": "echo", "Set-Cookie": "a=b"})
    fast, flask = paths.both("GET", "/api/v1/customers/42", token)
    assert_same(fast, flask)
    assert fast.headers["ETag"] == '"v7"'
    assert fast.headers["Cache-Control"] == "private, max-age=0"
    assert "X-Powered-By" not in fast.headers and "Set-Cookie" not in fast.headers
    assert fast.get_json() == {"id": 42, "name": "王五"}
    customer.answer_with(status=304, body=b"", headers={"ETag": '"v7"', "Cache-Control": "private, max-age=0"})
    fast, flask = paths.both("GET", "/api/v1/customers/42", {**token, "If-None-Match": '"v7"'})
    assert fast.status_code == 304
    assert_same(fast, flask)
    assert customer.received[-1]["headers"]["If-None-Match"] == '"v7"'


@pytest.mark.parametrize("status", [201, 204, 302, 404, 409, 500])
def test_other_statuses_and_a_location_come_back_as_on_the_flask_path(paths, token, upstreams, status):
    customer = upstreams["customer"]
    customer.answer_with(status=status, body=b"" if status == 204 else b'{"x": 1}', headers={
        "Location": f"{customer.url}/api/v1/customers/43", "Retry-After": "5"},
        content_type="application/problem+json")
    fast, flask = paths.both("GET", "/api/v1/customers/42", token)
    assert fast.status_code == status
    assert_same(fast, flask)
    assert fast.headers["Location"] == "http://localhost/api/v1/customers/43"


def test_an_answer_without_content_type_keeps_none(paths, token, upstreams):
    upstreams["customer"].answer_with(status=200, body=b"plain", content_type="")
    fast, flask = paths.both("GET", "/api/v1/customers/42", token)
    assert_same(fast, flask)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"},
                                     {"X-API-Key": "gx_not_a_key"}, {"X-API-Key": "  "}])
def test_no_or_bad_credentials_are_the_same_401_and_reach_no_service(paths, upstreams, headers):
    fast, flask = paths.both("GET", "/api/v1/customers/42", {**headers, **RID})
    assert fast.status_code == 401
    assert_same(fast, flask)
    assert fast.headers["WWW-Authenticate"] == 'Bearer realm="guanxi"'
    assert fast.mimetype == "application/problem+json"
    assert not any(server.received for server in upstreams.values())


def test_an_api_key_is_admitted_as_on_the_flask_path(paths, token, upstreams):
    created = paths.fast.post("/api/v1/api-keys", headers=token, json={"name": "import", "role": "agent"}).get_json()
    headers = {"X-API-Key": created["key"], **RID}
    fast, flask = paths.both("GET", "/api/v1/complaints?status=open", headers)
    assert fast.status_code == 200
    assert_same(fast, flask)
    assert "X-Api-Key" not in fast.get_json()["headers"]


def test_a_token_that_no_longer_stands_is_401(paths, token, login):
    admin = paths.app.test_client()
    admin.post("/api/v1/users", headers=token, json={"username": "agent1", "password": "jaderiver1", "role": "agent"})
    agent = {**login(admin, "agent1", "jaderiver1"), **RID}
    assert paths.fast.get("/api/v1/customers", headers=agent).status_code == 200
    assert admin.patch("/api/v1/users/agent1", headers=token, json={"active": False}).status_code == 200
    paths.app.extensions["gateway"].standing.forget("agent1")
    fast, flask = paths.both("GET", "/api/v1/customers", agent)
    assert fast.status_code == 401
    assert_same(fast, flask)


@pytest.mark.parametrize("why", ["role", "store"])
def test_a_services_403_for_a_role_or_store_comes_back_as_on_the_flask_path(paths, token, upstreams, why):
    # The gateway names the caller (role and stores in the service token); the service that owns the data refuses.
    upstreams["customer"].answer_with(status=403, body=f'{{"title": "Forbidden", "detail": "not your {why}"}}'
                                      .encode(), content_type="application/problem+json")
    fast, flask = paths.both("GET", "/api/v1/customers/42", token)
    assert fast.status_code == 403
    assert_same(fast, flask)
    assert fast.get_json()["detail"] == f"not your {why}"


def test_over_the_limit_is_the_same_429_with_retry_after_counted_on_both_paths(make_paths, login):
    paths = make_paths(RATE_LIMIT="4/minute", TOKEN_RATE_LIMIT="100/minute")
    headers = {**login(paths.app.test_client()), **RID}
    for _ in range(2):  # one allowance across both paths
        fast, flask = paths.both("GET", "/api/v1/customers", headers)
        assert (fast.status_code, flask.status_code) == (200, 200)
    fast, flask = paths.both("GET", "/api/v1/customers", headers)
    assert (fast.status_code, flask.status_code) == (429, 429)
    assert fast.mimetype == flask.mimetype == "application/problem+json"
    assert 1 <= int(fast.headers["Retry-After"]) <= 60
    assert fast.get_json()["title"] == flask.get_json()["title"] == "Too Many Requests"
    assert "4 per 1 minute" in fast.get_json()["detail"]
    assert fast.headers["X-Request-ID"] == "compare-1"


def test_a_service_that_is_down_is_the_same_503(paths, token, upstreams):
    upstreams["customer"].stop()
    fast, flask = paths.both("GET", "/api/v1/customers/42", token)
    assert fast.status_code == 503
    assert_same(fast, flask)
    assert fast.get_json()["service"] == "customer"


def test_an_unconfigured_service_is_the_same_503(make_paths, login):
    paths = make_paths(REPORTING_URL="")
    fast, flask = paths.both("GET", "/api/v1/reports/rfm", {**login(paths.app.test_client()), **RID})
    assert fast.status_code == 503
    assert_same(fast, flask)


def test_a_slow_service_is_the_same_504(make_paths, login, upstreams):
    paths = make_paths(GATEWAY_UPSTREAM_TIMEOUT="0.3")
    headers = {**login(paths.app.test_client()), **RID}
    upstreams["reporting"].delay = 1
    fast, flask = paths.both("GET", "/api/v1/reports/rfm", headers)
    assert fast.status_code == 504
    assert_same(fast, flask)


class RawService(RawSocketService):
    """A service on a raw socket answering every request with `answer` (bytes), then closing when `close`."""

    def __init__(self, answer: bytes, close: bool = False) -> None:
        self.answer, self.close = answer, close
        super().__init__()

    def _serve(self, sock: socket.socket, number: int) -> None:
        with sock:
            buffered = b""
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffered += data
                buffered = buffered.split(b"\r\n\r\n", 1)[1]
                sock.sendall(self.answer)
                if self.close:
                    return


@pytest.fixture
def raw_service() -> Iterator[Callable[..., RawService]]:
    """A factory of RawService, stopped after the test."""
    made: list[RawService] = []

    def make(answer: bytes, close: bool = False) -> RawService:
        made.append(RawService(answer, close))
        return made[-1]

    yield make
    for service in made:
        service.stop()


@pytest.mark.parametrize("answer", [b"HTTP/1.1 2", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                                    b"SMTP ready\r\n\r\n", b"HTTP/1.1 200 OK\r\n folded: header\r\n\r\n"])
def test_a_service_that_breaks_off_or_is_not_http_is_the_same_502(make_paths, login, raw_service, answer):
    service = raw_service(answer, close=True)
    paths = make_paths(COMPLAINT_URL=service.url)
    headers = {**login(paths.app.test_client()), **RID}
    fast, flask = paths.both("GET", "/api/v1/complaints", headers)
    if answer.endswith(b"short"):  # the status line was out: the body is cut short, on both paths
        assert fast.status_code == flask.status_code == 200
        assert fast.get_data() == flask.get_data() == b"short"
        return
    assert fast.status_code == 502
    assert_same(fast, flask)


def test_a_chunked_answer_and_one_up_to_the_close_come_back_whole(make_paths, login, raw_service):
    chunked = raw_service(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"4\r\nid,n\r\n6;x=1\r\n\n1,\xe7\x8e\x8b\r\n0\r\nTrailer: y\r\n\r\n")
    until_close = raw_service(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", close=True)
    paths = make_paths(COMPLAINT_URL=chunked.url, REMINDER_URL=until_close.url)
    headers = {**login(paths.app.test_client()), **RID}
    for _ in range(2):  # the chunked one on a reused connection the second time
        fast, flask = paths.both("GET", "/api/v1/complaints/export", headers)
        assert_same(fast, flask)
        assert fast.get_data() == "id,n\n1,王".encode()
        fast, flask = paths.both("GET", "/api/v1/reminders", headers)
        assert_same(fast, flask)
        assert fast.get_data() == b"all of it"


def test_a_large_body_streams_through_unchanged(paths, token, upstreams):
    body = b"x" * 300_000
    upstreams["customer"].answer_with(body=body, content_type="text/csv")
    fast, flask = paths.both("GET", "/api/v1/customers/export", token)
    assert fast.get_data() == body
    assert_same(fast, flask)


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("POST", "/api/v1/customers", {"json": {"name": "王五"}}),
    ("PUT", "/api/v1/customers/42", {"json": {"name": "王五"}}),
    ("DELETE", "/api/v1/customers/42", {}),
    ("OPTIONS", "/api/v1/customers", {}),
    ("GET", "/api/v1/customers", {"data": b'{"q": 1}', "content_type": "application/json"}),
    ("GET", "/api/v1/auth/me", {}),
    ("GET", "/api/v1/users", {}),
    ("GET", "/api/v1/openapi.json", {}),
    ("GET", "/api/v1/customers/6f1c1c1e-0000-4000-8000-000000000001/personal-data", {}),
    ("HEAD", "/api/v1/customers/6f1c1c1e-0000-4000-8000-000000000001/personal-data", {}),
    ("GET", "/api/v1/customers/", {}),
    ("GET", "/api/v1//customers", {}),
    ("GET", "/api/v1/customers//42", {}),
    ("GET", "/api/v1/invoices", {}),
    ("GET", "/healthz", {}),
    ("GET", "/metrics", {}),
    ("GET", "/", {}),
])
def test_everything_but_a_proxied_read_falls_through_to_flask(paths, token, method, path, kwargs):
    paths.falls_through(method, path, token, **kwargs)


def test_with_cors_configured_every_request_goes_to_flask(make_paths, login):
    paths = make_paths(CORS_ORIGINS="https://crm.example.com")
    headers = {**login(paths.app.test_client()), "Origin": "https://crm.example.com"}
    response = paths.falls_through("GET", "/api/v1/customers", headers)
    assert response.headers["Access-Control-Allow-Origin"] == "https://crm.example.com"


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_read_is_counted_once_under_its_route(paths, token):
    fell_through = len(paths.fell_through)
    route = "/api/v1/customers/<path:rest>"
    labels = {"service": "gateway", "method": "GET", "route": route}
    before = (_sample("http_requests_total", **labels, status="200"),
              _sample("http_request_duration_seconds_count", **labels),
              _sample("gateway_upstream_duration_seconds_count", service="customer"))
    assert paths.fast.get("/api/v1/customers/42", headers=token).status_code == 200
    after = (_sample("http_requests_total", **labels, status="200"),
             _sample("http_request_duration_seconds_count", **labels),
             _sample("gateway_upstream_duration_seconds_count", service="customer"))
    assert [round(a - b) for a, b in zip(after, before, strict=True)] == [1, 1, 1]
    refused_before = _sample("http_requests_total", **labels, status="401")
    paths.fast.get("/api/v1/customers/42")
    assert _sample("http_requests_total", **labels, status="401") - refused_before == 1
    assert len(paths.fell_through) == fell_through
