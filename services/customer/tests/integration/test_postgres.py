"""On PostgreSQL: concurrent writers, and the outbox published to RabbitMQ by the relay."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from kombu import Connection, Exchange, Queue
from servicekit.db import outbox
from servicekit.relay import Relay
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

pytestmark = pytest.mark.integration

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")


def all_at_once(count: int, call: Callable[[Flask], Any], app: Flask) -> list[Any]:
    """Run `call` in `count` threads released together; their results in thread order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = call(app)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_patches_on_the_same_version_exactly_one_wins(pg_app):
    client = pg_app.test_client()
    customer = client.post("/api/v1/customers", json={"name": "张伟", "phone": "13800138000", "kind": "prospect"},
                           headers=WRITER).get_json()
    path = f"/api/v1/customers/{customer['id']}"
    counter = iter(range(100))

    def patch(app: Flask):
        response = app.test_client().patch(path, json={"notes": f"第{next(counter)}次"},
                                           headers={**WRITER, "If-Match": '"1"'})
        return response.status_code, response.get_json()

    results = all_at_once(8, patch, pg_app)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 7
    winner = next(body for status, body in results if status == 200)
    assert all(body["current_version"] == 2 for status, body in results if status == 409)
    stored = client.get(path, headers=READER).get_json()
    assert stored["version"] == 2 and stored["notes"] == winner["notes"]
    history = client.get(f"{path}/history", headers=READER).get_json()
    assert [entry["action"] for entry in history["items"]] == ["updated", "created"]


def test_the_same_phone_created_concurrently_gives_one_201_and_409s_naming_it(pg_app):
    def create(app: Flask):
        response = app.test_client().post("/api/v1/customers", headers=WRITER,
                                          json={"name": "王芳", "phone": "139 1234 5678", "kind": "owner"})
        return response.status_code, response.get_json()

    results = all_at_once(8, create, pg_app)
    assert sorted(status for status, _ in results) == [201] + [409] * 7
    winner = next(body for status, body in results if status == 201)
    assert all(body["existing_customer_id"] == winner["id"] for status, body in results if status == 409)
    listing = pg_app.test_client().get("/api/v1/customers?phone=5678", headers=READER).get_json()
    assert listing["total"] == 1


def test_search_uses_the_same_rules_on_postgresql(pg_app):
    client = pg_app.test_client()
    zhang = client.post("/api/v1/customers", headers=WRITER, json={
        "name": "张伟", "phone": "13800138000", "kind": "owner", "tags": ["VIP"], "owner": "li.si"}).get_json()
    client.post("/api/v1/customers", headers=WRITER, json={"name": "李娜", "phone": "13700137000", "kind": "owner"})
    client.post(f"/api/v1/customers/{zhang['id']}/assets", headers=WRITER,
                json={"kind": "vehicle", "model": "雅阁", "plate": "粤B12345", "vin": "LSVAU2180N2183294"})
    for query in ("phone=8000", "phone=138 0013 8000", "q=张", "q=粤b 12345", "vin=lsvau2180n2183294", "tag=VIP",
                  "owner=li.si", "name=伟"):
        body = client.get(f"/api/v1/customers?{query}", headers=READER).get_json()
        assert [item["id"] for item in body["items"]] == [zhang["id"]], query


def test_relay_publishes_what_the_api_wrote_to_crm_events_in_order(pg_app, amqp_url):
    client = pg_app.test_client()
    with Connection(amqp_url) as connection:
        # a subscriber's own queue, bound to everything the customer service publishes
        queue = Queue("customer-contract-test", Exchange("crm.events", type="topic", durable=True),
                      routing_key="#", durable=False, auto_delete=False)
        queue(connection.default_channel).declare()

        customer = client.post("/api/v1/customers", headers={**WRITER, "X-Request-ID": "req-relay-1"}, json={
            "name": "刘洋", "phone": "13800138000", "kind": "prospect"}).get_json()
        path = f"/api/v1/customers/{customer['id']}"
        asset = client.post(f"{path}/assets", headers=WRITER, json={
            "kind": "vehicle", "model": "思域", "vin": "LFV2A21K8E3000001"}).get_json()
        client.post(f"{path}/visits", headers=WRITER, json={"kind": "delivery", "asset_id": asset["id"]})

        context = service_context(pg_app)
        relay = Relay("customer", context.sessions, lambda: Connection(amqp_url))
        try:
            assert relay.publish_pending() == 4
        finally:
            relay.close()

        received = []
        bound = queue(connection.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            received.append((message.delivery_info["routing_key"], message.properties.get("message_id"),
                             json.loads(message.body)))
        bound.delete()

    assert [key for key, _, _ in received] == ["customer.created.v1", "asset.registered.v1", "visit.done.v1",
                                               "customer.updated.v1"]
    for routing_key, message_id, body in received:
        assert body["type"] == routing_key and body["id"] == message_id
        assert body["subject"] == customer["id"] and body["source"] == "/guanxi/customer"
        assert body["specversion"] == "1.0"
    assert received[0][2]["correlationid"] == "req-relay-1"
    assert received[0][2]["data"]["name"] == "刘洋"
    assert received[3][2]["data"]["changes"] == {"kind": ["prospect", "owner"], "stage": ["prospect", "owner"]}
    with context.engine.connect() as db:
        assert db.execute(select(outbox.c.id).where(outbox.c.published_at.is_(None))).all() == []
