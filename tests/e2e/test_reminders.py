"""End to end on RabbitMQ and PostgreSQL, through the gateway: a delivery recorded in the customer service
becomes a callback task in the reminder service (its web, relay, consumer and scheduler each a process),
the task ends in an appointment that a service visit keeps; an independent subscriber (plain pika, its own
queue bound to reminder.# and appointment.#) sees every step."""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import Integrator, eventually, login, running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(tmp_path_factory, postgres_database, amqp_url):
    """The running system; yields the gateway's URL."""
    with running_system(tmp_path_factory.mktemp("e2e-reminders"), postgres_database, amqp_url,
                        [("customer", "web"), ("customer", "relay"), ("customer", "consume"),
                         ("reminder", "web"), ("reminder", "relay"),
                         ("reminder", "consume"), ("reminder", "schedule")], DEFAULT_UPSTREAMS,
                        env={"CRM_REMINDER_SCHEDULER_INTERVAL": "0.3"}) as running:
        yield running.gateway


@pytest.fixture(scope="module")
def subscriber(amqp_url):
    """An integrator's own queue, bound to the reminder service's events."""
    integrator = Integrator(amqp_url, "integrator.reminders", ("reminder.#", "appointment.#"))
    yield integrator
    integrator.close()


def receive_until(subscriber: Integrator, wanted: set[str], timeout: float = 30.0) -> dict[str, dict]:
    """The first event of each wanted type, waiting up to `timeout`."""
    found, deadline = {}, time.monotonic() + timeout
    while not wanted <= set(found) and time.monotonic() < deadline:
        for message in subscriber.received(1, timeout=max(0.0, deadline - time.monotonic())):
            assert message.properties.message_id == message.event["id"] and message.properties.delivery_mode == 2
            found.setdefault(message.routing_key, message.event)
    assert wanted <= set(found), f"missing {wanted - set(found)}"
    return found


def test_a_delivery_becomes_a_task_an_appointment_and_a_kept_visit(system, subscriber):
    gateway = system
    headers = login(gateway)
    # the owner is one of the users the gateway announces: the customer service knows them within moments
    customer = eventually(lambda: httpx.post(f"{gateway}/api/v1/customers", headers=headers, json={
        "name": "陈静", "phone": "13700137000", "kind": "prospect", "owner": "admin"}),
        lambda response: response.status_code == 201)[0].json()
    delivered_on = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=4)
    asset = httpx.post(f"{gateway}/api/v1/customers/{customer['id']}/assets", headers=headers, json={
        "kind": "vehicle", "model": "CR-V", "plate": "粤B·E2E01", "delivered_on": delivered_on.isoformat(),
        "odometer_km": 5}).json()

    # the three-day callback fell due yesterday: the scheduler makes it a task at once
    def callback_task():
        response = httpx.get(f"{gateway}/api/v1/reminders/tasks", headers=headers,
                             params={"customer_id": customer["id"], "rule": "delivery_callback_3d"})
        assert response.status_code == 200, response.text
        return response.json()["items"]
    [task], _ = eventually(callback_task)
    assert task["owner"] == "admin" and task["reason"].startswith("callback 3 days after delivery of 粤B·E2E01")

    claimed = httpx.post(f"{gateway}/api/v1/reminders/{task['id']}/claim", headers=headers)
    assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
    scheduled_at = datetime.now(UTC) + timedelta(minutes=30)
    booked = httpx.post(f"{gateway}/api/v1/appointments", headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                        json={"customer_id": customer["id"], "asset_id": asset["id"], "reminder_id": task["id"],
                              "purpose": "maintenance", "scheduled_at": scheduled_at.isoformat()})
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    done = httpx.post(f"{gateway}/api/v1/reminders/{task['id']}/complete", headers=headers,
                      json={"outcome": "booked", "notes": "约了保养"})
    assert done.status_code == 200, done.text
    serviced = httpx.post(f"{gateway}/api/v1/customers/{customer['id']}/visits", headers=headers, json={
        "kind": "service", "asset_id": asset["id"], "odometer_km": 800, "service_type": "maintenance"})
    assert serviced.status_code == 201, serviced.text

    def kept():
        found = httpx.get(f"{gateway}/api/v1/appointments/{appointment['id']}", headers=headers).json()
        return found if found["status"] == "kept" else None
    assert eventually(kept)[0]["visit_id"] == serviced.json()["id"]

    events = receive_until(subscriber, {"reminder.due.v1", "reminder.completed.v1", "appointment.booked.v1",
                                "appointment.kept.v1"})
    due = next(event for key, event in events.items() if key == "reminder.due.v1")
    assert due["source"] == "/guanxi/reminder" and due["data"]["customer_id"] == customer["id"]
    completed = events["reminder.completed.v1"]
    assert completed["subject"] == task["id"] and completed["data"]["outcome"] == "booked"
    assert events["appointment.booked.v1"]["subject"] == appointment["id"]
    assert events["appointment.kept.v1"]["data"]["visit_id"] == serviced.json()["id"]

    window = {"by": "owner", "from": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
              "to": (datetime.now(UTC) + timedelta(days=1)).isoformat()}
    kpis = httpx.get(f"{gateway}/api/v1/reminders/kpis", headers=headers, params=window).json()["items"]
    [admin] = [row for row in kpis if row["owner"] == "admin"]
    assert (admin["tasks_done"], admin["appointments_booked"], admin["appointments_kept"]) == (1, 1, 1)
    assert admin["show_up_rate"] == 1.0
    document = httpx.get(f"{gateway}/api/v1/openapi.json").json()
    assert {"/api/v1/reminders/tasks", "/api/v1/appointments"} <= set(document["paths"])
