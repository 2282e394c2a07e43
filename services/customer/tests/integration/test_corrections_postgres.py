"""On PostgreSQL: corrections race on a version and one wins; a callback task completed twice at once records
one visit; the upgrade reads stored service types into the vocabulary."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from customer.entrypoints.consumer import REMINDERS_QUEUE, subscriptions
from customer.entrypoints.runner import MIGRATIONS
from flask import Flask
from servicekit.consumer import apply_once
from servicekit.db import make_engine
from servicekit.events import new_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import text

pytestmark = pytest.mark.integration

WRITER = auth_headers("agent", "li.si")
READER = auth_headers("viewer", "wang.wu")


def all_at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """Run `call(index)` in `count` threads released together; their results in thread order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = call(index)
        except Exception as exc:  # reported as the thread's result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def serviced(pg_app: Flask):
    client = pg_app.test_client()
    customer = client.post("/api/v1/customers", json={"name": "张伟", "phone": "13800138000", "kind": "owner"},
                           headers=WRITER).get_json()
    base = f"/api/v1/customers/{customer['id']}"
    asset = client.post(f"{base}/assets", headers=WRITER, json={"kind": "vehicle", "model": "雅阁"}).get_json()
    visit = client.post(f"{base}/visits", headers=WRITER, json={
        "kind": "service", "service_type": "maintenance", "asset_id": asset["id"], "odometer_km": 5000,
        "amount": "300.00", "occurred_at": "2024-09-01T10:00:00+08:00"}).get_json()
    return base, asset, visit


def test_concurrent_corrections_of_one_version_exactly_one_wins(pg_app, serviced):
    base, _, visit = serviced

    def correct(index: int):
        response = pg_app.test_client().patch(f"{base}/visits/{visit['id']}", headers={**WRITER, "If-Match": '"1"'},
                                              json={"reason": "改金额", "amount": f"{100 + index}.00"})
        return response.status_code

    assert sorted(all_at_once(6, correct)) == [200] + [409] * 5
    client = pg_app.test_client()
    stored = client.get(f"{base}/visits/{visit['id']}", headers=READER).get_json()
    assert stored["version"] == 2
    account = client.get(f"{base}/points", headers=READER).get_json()
    assert account["balance"] == int(float(stored["details"]["amount"]))
    assert sum(item["points"] for item in account["items"]) == account["balance"]


def test_a_void_racing_a_correction_leaves_one_of_them(pg_app, serviced):
    base, asset, visit = serviced

    def act(index: int):
        client = pg_app.test_client()
        headers = {**WRITER, "If-Match": '"1"'}
        if index % 2:
            return client.post(f"{base}/visits/{visit['id']}/void", headers=headers,
                               json={"reason": "录错"}).status_code
        return client.patch(f"{base}/visits/{visit['id']}", headers=headers,
                            json={"reason": "改", "odometer_km": 6000}).status_code

    assert sorted(all_at_once(4, act)) == [200, 409, 409, 409]
    client = pg_app.test_client()
    stored = client.get(f"{base}/visits/{visit['id']}", headers=READER).get_json()
    odometer = client.get(f"{base}/assets/{asset['id']}", headers=READER).get_json()["odometer_km"]
    assert odometer == (None if stored["voided_at"] else 6000)


def test_a_callback_task_completed_and_delivered_twice_at_once_records_one_visit(pg_app):
    client = pg_app.test_client()
    customer = client.post("/api/v1/customers", json={"name": "李娜", "phone": "13800138001", "kind": "owner"},
                           headers=WRITER).get_json()
    reminder_id = str(uuid.uuid4())
    data = {"reminder_id": reminder_id, "customer_id": customer["id"], "asset_id": None, "status": "done",
            "outcome": "done", "completed_by": "li.si", "completed_at": "2026-11-23T03:12:40+00:00", "notes": None,
            "callback": {"channel": "wechat", "satisfaction": "satisfied"}}
    [subscription] = [each for each in subscriptions() if each.queue == REMINDERS_QUEUE]
    sessions = service_context(pg_app).sessions
    # the same event twice at once, and the same completion again under other event ids
    same = new_event("reminder", "reminder.completed.v1", reminder_id, data)
    events = [same, same, new_event("reminder", "reminder.completed.v1", reminder_id, data),
              new_event("reminder", "reminder.completed.v1", reminder_id, data)]
    results = all_at_once(4, lambda index: apply_once(sessions, REMINDERS_QUEUE, events[index], subscription.handler))
    assert sorted(results) == ["applied", "applied", "applied", "duplicate"]
    visits = client.get(f"/api/v1/customers/{customer['id']}/visits", headers=READER).get_json()
    assert visits["total"] == 1 and visits["items"][0]["reminder_id"] == reminder_id


def test_the_upgrade_reads_stored_service_types_into_the_vocabulary(postgres_database):
    url = postgres_database("customer_upgrade")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    command.upgrade(config, "0010")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (id, version, name, kind, stage, consent, created_at, "
                                "updated_at) VALUES ('c1', 1, '张伟', 'owner', 'owner', '{}', now(), now())"))
        for visit_id, kind, details in (("v1", "service", '{"service_type": "首保", "amount": "10.00"}'),
                                        ("v2", "service", '{"service_type": "轮胎检查"}'),
                                        ("v3", "service", '{"odometer_km": 100}'),
                                        ("v4", "store", '{"purpose": "看车"}')):
            connection.execute(text("INSERT INTO visits (id, customer_id, kind, occurred_at, details, recorded_by, "
                                    "created_at) VALUES (:id, 'c1', :kind, now(), CAST(:details AS json), 'x', now())"),
                               {"id": visit_id, "kind": kind, "details": details})
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT id, details FROM visits ORDER BY id")).all())
        versions = set(connection.execute(text("SELECT version FROM visits")).scalars())
    engine.dispose()
    assert rows == {"v1": {"service_type": "maintenance", "amount": "10.00"}, "v2": {"service_type": "check"},
                    "v3": {"odometer_km": 100}, "v4": {"purpose": "看车"}}
    assert versions == {1}
