"""End to end on RabbitMQ and PostgreSQL through the gateway: a customer's complaint, reminders, appointment and
opt-out, a merged duplicate's complaint, and what the reports keep, all found in ONE personal-data export; a
service down makes the export a 503 naming it; after erasure the export shows what is left, nothing personal."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import eventually, login, running_system

pytestmark = pytest.mark.e2e
NAME, PHONE, PLATE = "欧阳娜娜", "13800138000", "沪Avi123"
PROCESSES = [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
             ("complaint", "web"), ("complaint", "relay"),
             ("complaint", "consume"), ("reminder", "web"), ("reminder", "relay"), ("reminder", "consume"),
             ("reporting", "web"), ("reporting", "consume")]


@pytest.fixture(scope="module")
def system(tmp_path_factory, postgres_database, amqp_url):
    with running_system(tmp_path_factory.mktemp("e2e-personal-data"), postgres_database, amqp_url,
                        PROCESSES, DEFAULT_UPSTREAMS) as running:
        yield running


def test_one_request_returns_everything_every_service_holds_on_the_person(system):
    gateway = system.gateway
    admin = login(gateway)

    def call(method: str, path: str, status: int, **kwargs) -> dict:
        response = httpx.request(method, f"{gateway}{path}", headers={**admin, **kwargs.pop("headers", {})},
                                 timeout=30, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else {}

    customer = call("POST", "/api/v1/customers", 201, json={"name": NAME, "phone": PHONE, "kind": "owner",
                                                            "email": "nana@example.cn"})
    duplicate = call("POST", "/api/v1/customers", 201, json={"name": NAME, "phone": "13900139000",
                                                             "kind": "prospect"})
    delivered_on = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)
    asset = call("POST", f"/api/v1/customers/{customer['id']}/assets", 201, json={
        "kind": "vehicle", "model": "CR-V", "plate": PLATE, "delivered_on": delivered_on.isoformat()})

    def complaint_of(customer_id: str, description: str) -> dict:
        response, _ = eventually(lambda: httpx.post(
            f"{gateway}/api/v1/complaints", headers={**admin, "Idempotency-Key": uuid.uuid4().hex}, json={
                "customer_id": customer_id, "channel": "phone", "category": "service", "severity": "normal",
                "description": description}), lambda response: response.status_code == 201)
        return response.json()

    complaint = complaint_of(customer["id"], "保养等了三个小时")
    earlier = complaint_of(duplicate["id"], "合并前的投诉：试驾车很脏")
    booked, _ = eventually(lambda: httpx.post(f"{gateway}/api/v1/appointments", headers=admin, json={
        "customer_id": customer["id"], "asset_id": asset["id"], "purpose": "maintenance",
        "scheduled_at": (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()}),
        lambda response: response.status_code == 201)
    call("POST", "/api/v1/reminders/opt-outs", 201, json={"customer_id": customer["id"], "channel": "email"})

    preview = call("POST", "/api/v1/customers/merges/preview", 200, json={
        "survivor_id": customer["id"], "merged_id": duplicate["id"]})
    call("POST", "/api/v1/customers/merges", 201, json={
        "survivor_id": customer["id"], "merged_id": duplicate["id"],
        "survivor_version": preview["survivor"]["version"] - 1, "merged_version": duplicate["version"]})

    path = f"/api/v1/customers/{customer['id']}/personal-data"

    def complete(document: dict) -> bool:
        sections = document["sections"]
        return (len(sections["complaint"]["complaints"]) == 2 and sections["reminder"]["reminders"]
                and sections["reporting"]["customer"] is not None and sections["reporting"]["merges"])
    document, _ = eventually(lambda: call("GET", path, 200), complete)

    # the customer service's part, as it always was
    assert document["customer"]["name"] == NAME and [asset["id"]] == [held["id"] for held in document["assets"]]
    assert [record["id"] for record in document["merged_records"]] == [duplicate["id"]]
    assert document["not_deployed"] == []
    complaints = document["sections"]["complaint"]
    assert {held["id"] for held in complaints["complaints"]} == {complaint["id"], earlier["id"]}
    assert all(held["timeline"][0]["action"] == "file" for held in complaints["complaints"])
    assert complaints["customer"]["name"] == NAME
    reminders = document["sections"]["reminder"]
    assert [held["id"] for held in reminders["appointments"]] == [booked.json()["id"]]
    assert [held["channel"] for held in reminders["opt_outs"]] == ["email"]
    assert any(PLATE in held["reason"] for held in reminders["reminders"])
    assert [held["id"] for held in reminders["assets"]] == [asset["id"]]
    reports = document["sections"]["reporting"]
    assert reports["customer"]["name"] == NAME
    assert [merge["merged_id"] for merge in reports["merges"]] == [duplicate["id"]]

    # who may not export, may not: an agent is refused by the customer service and no section is gathered
    call("POST", "/api/v1/users", 201, json={"username": "li.si", "role": "agent", "password": "password-1"})
    refused = httpx.get(f"{gateway}{path}", headers=login(gateway, "li.si", "password-1"))
    assert refused.status_code == 403

    # after erasure the export says what is left: the records and their figures, nothing personal
    call("POST", f"/api/v1/customers/{customer['id']}/erasure", 200)

    def erased_everywhere(response: httpx.Response) -> bool:
        sections = response.json()["sections"]
        return response.json()["customer"]["erased_at"] is not None and all(
            sections[name]["customer"]["erased_at" if name != "reporting" else "erased"] for name in sections)
    left, _ = eventually(lambda: httpx.get(f"{gateway}{path}", headers=admin, timeout=30), erased_everywhere)
    assert len(left.json()["sections"]["complaint"]["complaints"]) == 2
    for personal in (NAME, PHONE, PLATE, "nana@example.cn", "试驾车很脏"):
        assert personal not in left.text, personal

    # one service down: no partial export, a 503 naming it
    [reporting_web] = [process for name, process, _ in system.processes.running if name == "reporting-web"]
    reporting_web.terminate()
    reporting_web.wait(15)
    down = httpx.get(f"{gateway}{path}", headers=admin, timeout=30)
    assert down.status_code == 503 and down.json()["services"] == ["reporting"], down.text
    assert "sections" not in down.json()
