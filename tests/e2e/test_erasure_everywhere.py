"""End to end on RabbitMQ, with PostgreSQL and again with SQLite files, through the gateway: a customer with
a vehicle, a complaint, reminders and a notification is erased, and once customer.erased.v1 has reached every
service, no service's database (a dump of it, or the SQLite file and its log byte for byte) holds the name,
the phone, the plate or the VIN, in any spelling a store keeps (plain text, JSON escapes, bytes as hex)."""
from __future__ import annotations

import json
import subprocess
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import eventually, login, running_system
from servicekit.testing import throwaway_vhost

pytestmark = pytest.mark.e2e
NAME, PHONE, PLATE, VIN = "欧阳娜娜", "13800138000", "沪Avi123", "LHGCV1658R8099887"
PROCESSES = [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
             ("complaint", "web"), ("complaint", "relay"),
             ("complaint", "consume"), ("reminder", "web"), ("reminder", "relay"), ("reminder", "consume"),
             ("reminder", "schedule"), ("reporting", "web"), ("reporting", "consume")]


class Hook(BaseHTTPRequestHandler):
    """The business's webhook receiver: takes every notification."""

    received: list[bytes] = []

    def do_POST(self) -> None:  # the http.server API
        Hook.received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def hook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def system(request, tmp_path_factory, postgres_database, hook):
    """The running system on PostgreSQL databases or on SQLite files, and where each service's data is."""
    var_dir = tmp_path_factory.mktemp(f"e2e-erasure-{request.param}")
    databases: dict[str, str] = {}

    def database(service: str) -> str:
        databases[service] = postgres_database(service) if request.param == "postgresql" else \
            f"sqlite:///{var_dir / 'data' / service}.db"
        return databases[service]

    with throwaway_vhost("e2e-erasure") as amqp_url, running_system(var_dir, database, amqp_url, PROCESSES,
                        DEFAULT_UPSTREAMS, env={"CRM_REMINDER_SCHEDULER_INTERVAL": "0.3",
                                                "CRM_REMINDER_WEBHOOK_URL": hook}) as running:
        yield running.gateway, databases


def spellings(value: str) -> set[str]:
    """How a value may be written in a dump: as it is, JSON-escaped, and as the hex of its UTF-8 bytes."""
    return {value, json.dumps(value)[1:-1], value.encode().hex()}


def stored(url: str) -> str:
    """All a database holds: a data-only dump of a PostgreSQL database; the bytes of a SQLite file and its
    write-ahead log, free space and old pages included (decoded leniently: UTF-8 text stays searchable)."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        return "".join(file.read_bytes().decode("utf-8", "replace") for file in path.parent.glob(path.name + "*"))
    return subprocess.run(["pg_dump", "--data-only", url.replace("postgresql+psycopg://", "postgresql://")],
                          check=True, capture_output=True, text=True, timeout=60).stdout


def residue(databases: dict[str, str]) -> dict[str, list[str]]:
    """Per database, which personal values it still holds."""
    found = {}
    for service, url in databases.items():
        dump = stored(url)
        hits = [value for value in (NAME, PHONE, PLATE, VIN) if any(form in dump for form in spellings(value))]
        if hits:
            found[service] = hits
    return found


def test_nothing_personal_survives_erasure_in_any_service(system):
    gateway, databases = system
    admin = login(gateway)
    Hook.received.clear()

    def call(method: str, path: str, status: int, **kwargs) -> dict:
        response = httpx.request(method, f"{gateway}{path}", headers={**admin, **kwargs.pop("headers", {})},
                                 timeout=30, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else {}

    call("PATCH", "/api/v1/reminders/rules/delivery_callback_3d", 200, json={"channels": ["webhook"]})
    customer = call("POST", "/api/v1/customers", 201, headers={"Idempotency-Key": "create-nana"}, json={
        "name": NAME, "phone": PHONE, "kind": "owner", "email": "nana@example.cn",
        "consent": {"sms": True, "phone": True, "email": True}})
    # her consultant, once the gateway's announcement of the user has reached the customer service
    eventually(lambda: httpx.patch(f"{gateway}/api/v1/customers/{customer['id']}", json={"owner": "admin"},
                                   headers={**admin, "If-Match": '"1"'}),
               lambda response: response.status_code == 200)
    delivered_on = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=4)
    call("POST", f"/api/v1/customers/{customer['id']}/assets", 201, headers={"Idempotency-Key": "car-nana"}, json={
        "kind": "vehicle", "model": "CR-V", "plate": PLATE, "vin": VIN, "delivered_on": delivered_on.isoformat()})

    def filed() -> httpx.Response:
        return httpx.post(f"{gateway}/api/v1/complaints", headers={**admin, "Idempotency-Key": "complaint-nana"},
                          json={"customer_id": customer["id"], "channel": "phone", "category": "service",
                                "severity": "normal", "description": f"{NAME}（{PHONE}，{PLATE}）等了三个小时"})
    eventually(filed, lambda response: response.status_code == 201)  # once the complaint service knows her

    def task() -> list[dict]:
        return call("GET", "/api/v1/reminders/tasks", 200,
                    params={"customer_id": customer["id"], "rule": "delivery_callback_3d"})["items"]
    [callback], _ = eventually(task)
    assert PLATE in callback["reason"]
    eventually(lambda: Hook.received)  # the notification went
    call("POST", f"/api/v1/reminders/{callback['id']}/complete", 200, headers={"Idempotency-Key": "done-nana"},
         json={"outcome": "reached", "notes": f"{NAME}说白天打 {PHONE}"})
    before = eventually(lambda: residue(databases), lambda found: {"customer", "complaint", "reminder",
                                                                   "reporting"} <= set(found))[0]
    assert set(before["reminder"]) >= {NAME, PLATE}

    call("POST", f"/api/v1/customers/{customer['id']}/erasure", 200)
    eventually(lambda: call("GET", "/api/v1/reminders", 200, params={"customer_id": customer["id"]})["items"],
               lambda items: items and all(PLATE not in item["reason"] for item in items))
    left, _ = eventually(lambda: residue(databases), lambda found: not found, timeout=60)
    assert left == {}
