"""End to end on RabbitMQ and PostgreSQL through the gateway: a visit dated in 2030 refused, a mistyped plate
and a wrongly dated visit corrected, a visit voided, a reading of the dashboard recorded, each announced to an
independent subscriber; and the customer service's consumer turning a completed callback task into one visit."""
from __future__ import annotations

import uuid

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from kombu import Connection
from servicekit.events import new_event
from servicekit.processes import Integrator, eventually, login, running_system

from servicekit import topology

pytestmark = pytest.mark.e2e

TYPES = ("asset.updated.v1", "visit.corrected.v1", "visit.voided.v1", "odometer.recorded.v1", "visit.done.v1")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, postgres_database, amqp_url):
    """The running gateway and the customer service's web, relay and consumer; yields the gateway's URL."""
    with running_system(tmp_path_factory.mktemp("e2e-corrections"), postgres_database, amqp_url,
                        [("customer", "web"), ("customer", "relay"), ("customer", "consume")],
                        DEFAULT_UPSTREAMS) as system:
        yield system.gateway


@pytest.fixture(scope="module")
def subscriber(amqp_url):
    integrator = Integrator(amqp_url, "integrator.corrections", TYPES)
    yield integrator
    integrator.close()


def publish(amqp_url: str, event) -> None:
    with Connection(amqp_url) as connection:
        connection.Producer().publish(event.to_json(), exchange=topology.EVENTS, routing_key=event.type,
                                      content_type="application/cloudevents+json", message_id=event.id,
                                      declare=[topology.EVENTS])


def test_corrections_and_the_callback_of_a_completed_task_through_the_gateway(gateway, subscriber, amqp_url):
    headers = login(gateway)
    customer = httpx.post(f"{gateway}/api/v1/customers", headers=headers, json={
        "name": "马丽", "phone": "13800138055", "kind": "owner"}).json()
    base = f"{gateway}/api/v1/customers/{customer['id']}"
    asset = httpx.post(f"{base}/assets", headers=headers, json={
        "kind": "vehicle", "model": "雅阁", "plate": "粤B55565", "delivered_on": "2025-12-03"}).json()

    future = httpx.post(f"{base}/visits", headers=headers, json={
        "kind": "service", "service_type": "maintenance", "asset_id": asset["id"],
        "occurred_at": "2030-01-01T09:00:00+08:00"})
    assert future.status_code == 422 and "occurred_at" in future.json()["errors"]
    visit = httpx.post(f"{base}/visits", headers=headers, json={
        "kind": "service", "service_type": "maintenance", "asset_id": asset["id"], "odometer_km": 3100,
        "occurred_at": "2026-03-01T09:00:00+08:00"}).json()
    corrected = httpx.patch(f"{base}/visits/{visit['id']}", headers={**headers, "If-Match": '"1"'},
                            json={"occurred_at": "2026-02-27T09:00:00+08:00", "reason": "日期录错"})
    assert corrected.status_code == 200 and corrected.json()["version"] == 2
    plate = httpx.patch(f"{base}/assets/{asset['id']}", headers={**headers, "If-Match": '"1"'},
                        json={"plate": "粤B55555", "reason": "车牌录错"})
    assert plate.status_code == 200 and plate.json()["plate"] == "粤B55555"
    assert httpx.get(f"{gateway}/api/v1/customers?plate=粤B55555", headers=headers).json()["total"] == 1
    reading = httpx.post(f"{base}/assets/{asset['id']}/odometer-readings", headers=headers,
                         json={"odometer_km": 4200})
    assert reading.status_code == 201
    store_visit = httpx.post(f"{base}/visits", headers=headers, json={"kind": "store"}).json()
    voided = httpx.post(f"{base}/visits/{store_visit['id']}/void", headers={**headers, "If-Match": '"1"'},
                        json={"reason": "重复录入"})
    assert voided.status_code == 200 and voided.json()["voided_at"]

    # a callback task completed with its outcome in the reminder service becomes one callback visit
    reminder_id = str(uuid.uuid4())
    data = {"reminder_id": reminder_id, "customer_id": customer["id"], "asset_id": asset["id"], "status": "done",
            "outcome": "done", "completed_by": "li.si", "completed_at": "2026-03-02T02:00:00+00:00",
            "notes": None, "callback": {"channel": "wechat", "satisfaction": "satisfied"}}

    def callbacks():
        # published until the consumer's queue exists; every copy names the same task, so one visit at most
        publish(amqp_url, new_event("reminder", "reminder.completed.v1", reminder_id, data))
        listed = httpx.get(f"{base}/visits", headers=headers).json()["items"]
        return [item for item in listed if item["kind"] == "callback"]

    found, _ = eventually(callbacks)
    assert len(found) == 1 and found[0]["reminder_id"] == reminder_id
    received = subscriber.received(7)  # three visits done, a correction, an update, a reading, a void
    assert sorted(message.routing_key for message in received) == sorted(
        ["visit.done.v1"] * 3 + ["visit.corrected.v1", "asset.updated.v1", "odometer.recorded.v1", "visit.voided.v1"])
    assert [m for m in received if m.routing_key == "visit.done.v1"
            and m.event["data"]["visit"]["reminder_id"] == reminder_id]
    assert subscriber.received(1, timeout=2) == []  # the task's copies recorded nothing more
