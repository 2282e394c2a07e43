"""End to end on RabbitMQ and PostgreSQL: a complaint's closed loop through the gateway — filed for a customer
created a moment earlier, acknowledged, assigned, resolved, reopened by an unsatisfied callback, resolved again,
closed after a satisfied one — with every event read by an independent subscriber (plain pika, its own queue
bound to `complaint.#`). Gateway, customer (web, relay) and complaint (web, relay, consume, scan) run as
separate processes."""
from __future__ import annotations

import json
import time
import uuid

import httpx
import pika
import pytest
from servicekit.processes import Processes, clean_env, free_port, wait_until_ready

pytestmark = pytest.mark.e2e
ADMIN_PASSWORD = "e2e-admin-password"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, postgres_database, amqp_url):
    """The running system; yields the gateway's URL."""
    var_dir = tmp_path_factory.mktemp("e2e-complaints")
    gateway_port, customer_port, complaint_port = free_port(), free_port(), free_port()
    env = clean_env(var_dir)
    env.update({
        "CRM_BROKER_URL": amqp_url, "CRM_AUTH_SECRET": uuid.uuid4().hex * 2,
        "CRM_CUSTOMER_DATABASE_URL": postgres_database("e2e_c_customer"),
        "CRM_COMPLAINT_DATABASE_URL": postgres_database("e2e_c_complaint"),
        "CRM_GATEWAY_DATABASE_URL": postgres_database("e2e_c_gateway"),
        "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD, "CRM_GATEWAY_PORT": str(gateway_port),
        "CRM_CUSTOMER_PORT": str(customer_port), "CRM_CUSTOMER_URL": f"http://127.0.0.1:{customer_port}",
        "CRM_COMPLAINT_PORT": str(complaint_port), "CRM_COMPLAINT_URL": f"http://127.0.0.1:{complaint_port}",
        "CRM_REMINDER_URL": "", "CRM_REPORTING_URL": "", "CRM_WEB_WORKERS": "1", "CRM_RELAY_POLL_INTERVAL": "0.05",
        "CRM_COMPLAINT_SCAN_INTERVAL": "1",
    })
    processes = Processes(env, var_dir)
    for service in ("customer", "complaint", "gateway"):
        processes.run(service, "migrate")
    for service, process in (("customer", "web"), ("customer", "relay"), ("complaint", "web"),
                             ("complaint", "relay"), ("complaint", "consume"), ("complaint", "scan"),
                             ("gateway", "web")):
        processes.start(f"{service}-{process}", service, process)
    url = f"http://127.0.0.1:{gateway_port}"
    try:
        wait_until_ready(f"{url}/readyz")
        yield url
    except BaseException:
        print(processes.logs())
        raise
    finally:
        processes.stop()


@pytest.fixture(scope="module")
def subscriber(amqp_url):
    """An integrator's own queue, bound to every complaint event."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.exchange_declare("crm.events", exchange_type="topic", durable=True)
    queue = channel.queue_declare("integrator.complaints", durable=True).method.queue
    channel.queue_bind(queue, "crm.events", routing_key="complaint.#")
    yield channel, queue
    channel.queue_delete(queue)
    connection.close()


def received(channel, queue, wanted: int, timeout: float = 60.0) -> list[tuple[str, dict]]:
    """(routing key, body) of the messages that arrive, until `wanted` or the timeout."""
    messages, deadline = [], time.monotonic() + timeout
    while len(messages) < wanted and time.monotonic() < deadline:
        method, _, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            time.sleep(0.1)
            continue
        messages.append((method.routing_key, json.loads(body)))
    return messages


def login(gateway: str) -> dict[str, str]:
    response = httpx.post(f"{gateway}/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def file_when_known(gateway: str, headers: dict[str, str], body: dict, timeout: float = 60.0) -> dict:
    """File the complaint, retrying while the customer's creation is still on its way to this service."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.post(f"{gateway}/api/v1/complaints", headers=headers, json=body)
        if response.status_code == 201 or time.monotonic() > deadline:
            assert response.status_code == 201, response.text
            return response.json()
        assert response.status_code == 422 and "Unknown customer" in response.text, response.text
        time.sleep(0.2)


def test_the_closed_loop_through_the_gateway_with_every_event_seen(gateway, subscriber):
    channel, queue = subscriber
    headers = login(gateway)
    customer = httpx.post(f"{gateway}/api/v1/customers", headers=headers,
                          json={"name": "陈静", "phone": "137 0013 7000", "kind": "owner"})
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]
    complaint = file_when_known(gateway, headers, {
        "customer_id": customer_id, "channel": "phone", "category": "service", "severity": "normal",
        "subcategory": "waiting_time", "description": "保养等了三个小时，没有人告知进度"})
    assert complaint["status"] == "filed" and complaint["sla"]["resolve"]["due_at"]
    path = f"{gateway}/api/v1/complaints/{complaint['id']}"

    def step(action: str, body: dict | None = None, status: int = 200) -> dict:
        request_id = f"e2e-{action}-{uuid.uuid4().hex[:8]}"
        response = httpx.post(f"{path}/{action}", headers={**headers, "X-Request-ID": request_id}, json=body or {})
        assert response.status_code == status, response.text
        return response.json()

    refused = step("close", status=409)
    assert refused["allowed_next"] == ["acknowledge", "reject"]
    step("acknowledge")
    step("assign", {"department": "after_sales", "assignee": "zhao.liu"})
    resolution = {"resolution": "致歉并赠送一次免费保养", "remedy_cost": "680.00", "responsible_party": "after_sales"}
    step("resolve", resolution)
    reopened = step("callbacks", {"channel": "phone", "satisfaction": "unsatisfied", "comment": "不接受赠送"})
    assert reopened["status"] == "reopened"
    step("assign", {"department": "after_sales", "assignee": "sun.qi"})
    step("resolve", {**resolution, "resolution": "退还保养费用", "remedy_cost": "450.00"})
    step("callbacks", {"channel": "phone", "satisfaction": "satisfied"})
    closed = step("close")
    assert closed["status"] == "closed"

    expected = ["filed", "assigned", "resolved", "callback_recorded", "reopened", "assigned", "resolved",
                "callback_recorded", "closed"]
    messages = received(channel, queue, wanted=len(expected))
    assert [key for key, _ in messages] == [f"complaint.{name}.v1" for name in expected]
    for key, body in messages:
        assert body["type"] == key and body["source"] == "/guanxi/complaint"
        assert body["subject"] == complaint["id"]
        assert body["data"]["customer_id"] == customer_id and body["data"]["category"] == "service"
        assert set(body["data"]["sla"]) == {"acknowledge", "respond", "resolve", "first_callback"}
    data = [body["data"] for _, body in messages]
    assert [d["status"] for d in data] == ["filed", "assigned", "resolved", "callback", "reopened", "assigned",
                                           "resolved", "callback", "closed"]
    assert data[4]["reason"].startswith("callback 1") and data[8]["satisfaction"] == "satisfied"
    assert data[6]["remedy_cost"] == "450.00" and data[5]["assignee"] == "sun.qi"
    assert messages[8][1]["correlationid"].startswith("e2e-close-")

    timeline = httpx.get(f"{path}/timeline", headers=headers).json()
    assert [item["action"] for item in timeline["items"]] == [
        "file", "acknowledge", "assign", "resolve", "callbacks", "reopen", "assign", "resolve", "callbacks", "close"]
    assert {item["actor"] for item in timeline["items"]} == {"admin"}


def test_complaint_endpoints_are_in_the_one_openapi_document(gateway):
    paths = httpx.get(f"{gateway}/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/complaints", "/api/v1/complaints/{complaint_id}/resolve",
                 "/api/v1/complaints/{complaint_id}/timeline", "/api/v1/complaints/sla-policies"):
        assert path in paths, path
