"""On PostgreSQL and RabbitMQ: two SLA scanners breach each target once; a customer created through the
customer service a moment earlier can have a complaint filed here."""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from complaint.app import create_app
from complaint.domain.complaints import Complaint
from complaint.entrypoints.consumer import QUEUE, apply_customer_event, subscriptions
from complaint.entrypoints.runner import MIGRATIONS
from complaint.service_layer.scanner import scan
from flask import Flask
from servicekit.consumer import Consumer, apply_once
from servicekit.db import make_engine, make_session_factory, outbox, upgrade
from servicekit.events import new_event, parse_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

pytestmark = pytest.mark.integration
AGENT = auth_headers("agent", "li.si")
#: The events the customer service publishes, as documented: this test publishes one in its place.
EVENT_EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "events"


@pytest.fixture
def pg_app(make_settings, postgres_database) -> Iterator[Flask]:
    """The complaint app on a fresh PostgreSQL database migrated by the real migrations."""
    url = postgres_database("complaint")
    upgrade(url, MIGRATIONS)
    application = create_app(make_settings("complaint", database_url=url))
    yield application
    service_context(application).engine.dispose()


def published(app: Flask, type: str) -> list:
    with service_context(app).engine.connect() as connection:
        bodies = connection.execute(select(outbox.c.body).where(outbox.c.type == type)).scalars().all()
    return [parse_event(body) for body in bodies]


def test_two_scanners_breach_and_escalate_each_target_exactly_once(pg_app, monkeypatch):
    customer_id = str(uuid.uuid4())
    apply_once(service_context(pg_app).sessions, QUEUE, new_event("customer", "customer.created.v1", customer_id, {
        "id": customer_id, "version": 1, "name": "张伟", "updated_at": "2026-11-22T08:00:00+00:00"}),
        apply_customer_event)
    client = pg_app.test_client()
    filed = [client.post("/api/v1/complaints", headers=AGENT, json={
        "customer_id": customer_id, "channel": "phone", "category": "service", "severity": "normal",
        "description": f"第{n}号投诉"}).get_json() for n in range(40)]
    now = max(datetime.fromisoformat(c["sla"]["resolve"]["due_at"]) for c in filed) + timedelta(days=1)

    # a slower check, so the two scanners' batches overlap in time
    check = Complaint.check_sla
    monkeypatch.setattr(Complaint, "check_sla",
                        lambda self, moment, *more: (time.sleep(0.01), check(self, moment, *more))[1])
    url = service_context(pg_app).settings.database_url
    engines = [make_engine(url) for _ in range(2)]
    barrier, counts = threading.Barrier(2), [0, 0]

    def run(index: int) -> None:
        barrier.wait()
        counts[index] = scan(make_session_factory(engines[index]), now, limit=4)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()

    assert sum(counts) == 40 and min(counts) > 0, counts  # both worked, no complaint twice
    breaches = Counter((event.subject, event.data["target"])
                       for event in published(pg_app, "complaint.sla_breached.v1"))
    assert set(breaches) == {(c["id"], target) for c in filed for target in ("acknowledge", "resolve")}
    assert set(breaches.values()) == {1}
    escalations = Counter(event.subject for event in published(pg_app, "complaint.escalated.v1"))
    assert escalations == {c["id"]: 2 for c in filed}
    assert scan(service_context(pg_app).sessions, now + timedelta(hours=1)) == 0


def test_a_customer_created_in_the_customer_service_can_have_a_complaint_filed(pg_app, stand_in):
    customers = stand_in("customer")  # the customer service as the events it publishes, through the broker
    complaints = pg_app.test_client()
    stop = threading.Event()
    consumer = Consumer(service_context(pg_app).sessions, subscriptions(), customers.relay.connect, retry_delay=0.2)
    relay = customers.relay
    workers = [threading.Thread(target=consumer.run, args=(stop,)), threading.Thread(target=relay.run, args=(stop,))]
    for worker in workers:
        worker.start()
    try:
        assert consumer.ready.wait(15)
        example = json.loads((EVENT_EXAMPLES / "customer.created.v1.json").read_text(encoding="utf-8"))["data"]
        customer = {**example, "id": str(uuid.uuid4()), "name": "刘洋", "phone": "+8613800138000", "kind": "owner",
                    "stage": "owner", "store_id": None, "tags": [], "owner": None}
        customers.publish("customer.created.v1", customer["id"], customer)
        body = {"customer_id": customer["id"], "channel": "store", "category": "quality", "severity": "serious",
                "description": "新车交付一周发动机异响"}
        deadline, response = time.monotonic() + 20, None
        while time.monotonic() < deadline:
            response = complaints.post("/api/v1/complaints", headers=AGENT, json=body)
            if response.status_code == 201:
                break
            assert response.status_code == 422 and "Unknown customer" in str(response.get_json())
            time.sleep(0.1)
        assert response is not None and response.status_code == 201, response.get_json()
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=15)
    complaint = response.get_json()
    assert complaint["customer_id"] == customer["id"] and complaint["escalation_level"] == "general_manager"
    [filed] = published(pg_app, "complaint.filed.v1")
    assert filed.subject == complaint["id"] and filed.data["customer_id"] == customer["id"]
