"""How the gateway uses its connections to a service: reuse, idle expiry, a service that hangs up, no cookies."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from gateway_tests.raw_services import RawSocketService


class KeepAliveService(RawSocketService):
    """A tiny HTTP/1.1 service on a raw socket that keeps connections open and counts them.

    `behaviour(connection_number, request_number_on_it)` says what to do with each request: "answer",
    "hang_up" (close without a byte) or "half" (close halfway through the status line).
    """

    def __init__(self, behaviour: Callable[[int, int], str]) -> None:
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        super().__init__()

    def _serve(self, sock: socket.socket, number: int) -> None:
        with sock:
            buffered, served = b"", 0
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffered += data
                head, buffered = buffered.split(b"\r\n\r\n", 1)
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(buffered) < length:
                    buffered += sock.recv(65536)
                buffered = buffered[length:]
                self.requests.append(head)
                served += 1
                action = self.behaviour(number, served)
                if action == "hang_up":
                    return
                if action == "half":
                    sock.sendall(b"HTTP/1.1 2")
                    return
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"
                             b'{"ok": true}')


@pytest.fixture
def keep_alive_service() -> Iterator[Callable[..., KeepAliveService]]:
    """A factory of KeepAliveService, stopped after the test."""
    made: list[KeepAliveService] = []

    def make(behaviour: Callable[[int, int], str] = lambda connection, request: "answer") -> KeepAliveService:
        made.append(KeepAliveService(behaviour))
        return made[-1]

    yield make
    for service in made:
        service.stop()


def test_connections_are_reused_but_not_after_a_second_idle(make_gateway, login, keep_alive_service):
    service = keep_alive_service()
    client = make_gateway(COMPLAINT_URL=service.url).test_client()
    headers = login(client)
    for _ in range(3):
        assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    assert service.connections == 1
    time.sleep(1.3)  # longer than the gateway's idle expiry, shorter than the services' 2 s keep-alive
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    assert service.connections == 2


def test_a_get_on_a_connection_the_service_closed_is_sent_again_on_a_fresh_one(make_gateway, login,
                                                                               keep_alive_service):
    # The service answers the first request of each connection and hangs up on the second without a word,
    # as a service does when its keep-alive timer fires just as the gateway reuses the connection.
    service = keep_alive_service(lambda connection, request: "answer" if request == 1 else "hang_up")
    client = make_gateway(COMPLAINT_URL=service.url).test_client()
    headers = login(client)
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    assert client.get("/api/v1/complaints/2", headers=headers).status_code == 200
    assert service.connections == 2


def test_a_post_is_never_sent_twice(make_gateway, login, keep_alive_service):
    service = keep_alive_service(lambda connection, request: "answer" if request == 1 else "hang_up")
    client = make_gateway(COMPLAINT_URL=service.url).test_client()
    headers = login(client)
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    response = client.post("/api/v1/complaints", json={"title": "once"}, headers=headers)
    assert response.status_code == 502
    assert response.get_json()["service"] == "complaint"
    assert sum(head.startswith(b"POST ") for head in service.requests) == 1


def test_a_service_that_breaks_off_its_answer_is_502(make_gateway, login, keep_alive_service):
    service = keep_alive_service(lambda connection, request: "half")
    client = make_gateway(COMPLAINT_URL=service.url).test_client()
    response = client.get("/api/v1/complaints", headers=login(client))
    assert response.status_code == 502
    assert response.mimetype == "application/problem+json"
    assert "complaint" in response.get_json()["detail"]


def test_a_cookie_set_by_a_service_is_never_sent_back_for_anyone(client, admin, upstreams):
    customer = upstreams["customer"]
    customer.answer_with(body=b"{}", headers={"Set-Cookie": "session=alice-secret; Path=/"})
    response = client.get("/api/v1/customers", headers=admin)
    assert "Set-Cookie" not in response.headers
    customer.reply = {}
    seen = client.get("/api/v1/customers", headers=admin).get_json()
    assert "Cookie" not in seen["headers"]
