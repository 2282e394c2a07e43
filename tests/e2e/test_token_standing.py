"""End to end through real processes (gateway with two workers, customer web): a deactivated user's session
token is refused by the gateway within a second or two and was never good at a service, and a service token the
gateway passed on (captured by a stand-in for the reporting service) dies within its seconds."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from flask import Flask, jsonify, request
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import eventually, login, running_system
from werkzeug.serving import make_server

pytestmark = pytest.mark.e2e
SERVICE_TOKEN_TTL = 2


class Eavesdropper:
    """A stand-in service that answers every request and keeps the Authorization header the gateway sent."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        app = Flask("eavesdropper")
        app.add_url_rule("/<path:path>", "any", self._answer, methods=["GET", "POST"])
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _answer(self, path: str):
        if "Authorization" in request.headers:
            self.seen.append(request.headers["Authorization"])
        return jsonify(ready=True) if path == "readyz" else jsonify({})

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def eavesdropper() -> Iterator[Eavesdropper]:
    """The stand-in reporting service."""
    server = Eavesdropper()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def system(tmp_path_factory, postgres_database, amqp_url, eavesdropper):
    """Gateway (two workers) and customer web; the gateway's reporting routes lead to the eavesdropper."""
    with running_system(tmp_path_factory.mktemp("e2e-tokens"), postgres_database, amqp_url, [("customer", "web")],
                        DEFAULT_UPSTREAMS, env={"CRM_WEB_WORKERS": "2", "CRM_SERVICE_TOKEN_TTL": str(SERVICE_TOKEN_TTL),
                             "CRM_REPORTING_URL": eavesdropper.url}) as running:
        yield running.gateway, running.services["customer"]


def test_a_deactivated_users_tokens_stop_at_the_gateway_and_at_the_service(system, eavesdropper):
    gateway, customer = system
    admin = login(gateway)
    created = httpx.post(f"{gateway}/api/v1/users", headers=admin,
                         json={"username": "qian.jl", "password": "Jade-river-4821", "role": "manager"})
    assert created.status_code == 201, created.text
    session = login(gateway, "qian.jl", "Jade-river-4821")
    assert httpx.get(f"{gateway}/api/v1/customers", headers=session).status_code == 200
    direct = httpx.get(f"{customer}/api/v1/customers", headers=session)
    assert direct.status_code == 401 and "through the gateway" in direct.json()["detail"]
    assert httpx.get(f"{gateway}/api/v1/reports/owners", headers=session).status_code == 200
    captured = {"Authorization": eavesdropper.seen[-1]}
    assert httpx.get(f"{customer}/api/v1/customers", headers=captured).status_code == 200

    assert httpx.patch(f"{gateway}/api/v1/users/qian.jl", headers=admin, json={"active": False}).status_code == 200
    # Every worker of the gateway refuses the old token within a second or so (each checks at most once a second).
    refused, waited = eventually(lambda: [httpx.get(f"{gateway}/api/v1/customers", headers=session)
                                          for _ in range(4)],
                                 lambda answers: all(answer.status_code == 401 for answer in answers), timeout=5)
    assert waited < 2.0 and "no longer stands" in refused[0].json()["detail"]
    # The captured service token dies after its seconds and the services' two seconds of clock leeway.
    expired, _ = eventually(lambda: httpx.get(f"{customer}/api/v1/customers", headers=captured),
                            lambda answer: answer.status_code == 401, timeout=SERVICE_TOKEN_TTL + 4)
    assert "expired" in expired.json()["detail"]
