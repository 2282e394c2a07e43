"""End to end on RabbitMQ and PostgreSQL: a complaint's closed loop through the gateway — filed for a customer
created a moment earlier, acknowledged, assigned, resolved, reopened by an unsatisfied callback, resolved again,
closed after a satisfied one and the survey — with every event read by an independent subscriber (plain pika,
its own queue bound to `complaint.#`). Gateway, customer (web, relay) and complaint (web, relay, consume, scan)
run as separate processes. The complaint is assigned only to users the gateway has published: a name that is no
user is a 422."""
from __future__ import annotations

import uuid

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import Integrator, eventually, login, running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, postgres_database, amqp_url):
    """The running system; yields the gateway's URL."""
    with running_system(tmp_path_factory.mktemp("e2e-complaints"), postgres_database, amqp_url,
                        [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
                         ("complaint", "web"), ("complaint", "relay"),
                         ("complaint", "consume"), ("complaint", "scan")], DEFAULT_UPSTREAMS,
                        env={"CRM_COMPLAINT_SCAN_INTERVAL": "1"}) as system:
        yield system.gateway


@pytest.fixture(scope="module")
def subscriber(amqp_url):
    """An integrator's own queue, bound to every complaint event."""
    integrator = Integrator(amqp_url, "integrator.complaints", ("complaint.#",))
    yield integrator
    integrator.close()


def file_when_known(gateway: str, headers: dict[str, str], body: dict) -> dict:
    """File the complaint, retrying while the customer's creation is still on its way to this service."""

    def filed(response: httpx.Response) -> bool:
        if response.status_code != 201:
            assert response.status_code == 422 and "Unknown customer" in response.text, response.text
        return response.status_code == 201

    response, _ = eventually(lambda: httpx.post(f"{gateway}/api/v1/complaints", headers=headers, json=body),
                             filed, timeout=60)
    return response.json()


def add_staff(gateway: str, headers: dict[str, str], *usernames: str) -> None:
    """Users of the whole group, made at the gateway (which publishes them to the services)."""
    for username in usernames:
        response = httpx.post(f"{gateway}/api/v1/users", headers=headers, json={
            "username": username, "password": f"Staff-{uuid.uuid4().hex}", "role": "agent"})
        assert response.status_code == 201, response.text


def test_the_closed_loop_through_the_gateway_with_every_event_seen(gateway, subscriber):
    headers = login(gateway)
    add_staff(gateway, headers, "zhao.liu", "sun.qi")
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
    ghost = step("assign", {"department": "after_sales", "assignee": "ghost.user"}, status=422)
    assert list(ghost["errors"]) == ["assignee"]
    # the users reach the complaint service as events: the first assignment waits for them
    eventually(lambda: httpx.post(f"{path}/assign", headers=headers, json={
        "department": "after_sales", "assignee": "zhao.liu"}), lambda response: response.status_code == 200)
    resolution = {"resolution": "致歉并赠送一次免费保养", "remedy_cost": "680.00", "responsible_party": "after_sales"}
    step("resolve", resolution)
    reopened = step("callbacks", {"channel": "phone", "satisfaction": "unsatisfied", "comment": "不接受赠送"})
    assert reopened["status"] == "reopened"
    step("assign", {"department": "after_sales", "assignee": "sun.qi"})
    step("resolve", {**resolution, "resolution": "退还保养费用", "remedy_cost": "450.00"})
    step("callbacks", {"channel": "phone", "satisfaction": "satisfied"})
    no_survey = step("close", status=409)  # every resolved complaint gets its survey first [002 L1150]
    assert "survey" in no_survey["detail"]
    step("survey", {"attitude": "satisfied", "skill": "satisfied", "timeliness": "unsatisfied",
                    "promise_kept": "satisfied", "staff": ["sun.qi"]})
    closed = step("close")
    assert closed["status"] == "closed"

    expected = ["filed", "assigned", "resolved", "callback_recorded", "reopened", "assigned", "resolved",
                "callback_recorded", "survey_recorded", "closed"]
    messages = [(message.routing_key, message.event) for message in subscriber.received(len(expected), timeout=60)]
    assert [key for key, _ in messages] == [f"complaint.{name}.v1" for name in expected]
    for key, body in messages:
        assert body["type"] == key and body["source"] == "/guanxi/complaint"
        assert body["subject"] == complaint["id"]
        assert body["data"]["customer_id"] == customer_id and body["data"]["category"] == "service"
        assert set(body["data"]["sla"]) == {"acknowledge", "respond", "resolve", "first_callback"}
    data = [body["data"] for _, body in messages]
    assert [d["status"] for d in data] == ["filed", "assigned", "resolved", "callback", "reopened", "assigned",
                                           "resolved", "callback", "callback", "closed"]
    assert data[4]["reason"].startswith("callback 1") and data[9]["satisfaction"] == "satisfied"
    assert data[6]["remedy_cost"] == "450.00" and data[5]["assignee"] == "sun.qi"
    assert messages[9][1]["correlationid"].startswith("e2e-close-")

    timeline = httpx.get(f"{path}/timeline", headers=headers).json()
    assert [item["action"] for item in timeline["items"]] == [
        "file", "acknowledge", "assign", "resolve", "callbacks", "reopen", "assign", "resolve", "callbacks", "survey",
        "close"]
    assert {item["actor"] for item in timeline["items"]} == {"admin"}


def test_complaint_endpoints_are_in_the_one_openapi_document(gateway):
    paths = httpx.get(f"{gateway}/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/complaints", "/api/v1/complaints/{complaint_id}/resolve",
                 "/api/v1/complaints/{complaint_id}/timeline", "/api/v1/complaints/sla-policies"):
        assert path in paths, path
