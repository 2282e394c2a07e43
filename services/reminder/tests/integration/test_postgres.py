"""On PostgreSQL and RabbitMQ: a delivery recorded in the customer service plans the callbacks and the first
maintenance here, and a service visit moves it; two scheduler replicas fire each reminder once; a webhook
receiver on localhost gets signed notifications, retried until it answers."""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from reminder.adapters.channels import senders, verify
from reminder.adapters.tables import customers, reminders
from reminder.app import create_app
from reminder.entrypoints.consumer import subscriptions
from reminder.entrypoints.runner import MIGRATIONS
from reminder.service_layer import scheduler as scheduler_module
from reminder.service_layer.delivery import deliver_due
from reminder.service_layer.scheduler import Scheduler
from servicekit.consumer import Consumer
from servicekit.db import make_engine, make_session_factory, outbox, unit_of_work, upgrade
from servicekit.events import parse_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

pytestmark = pytest.mark.integration
AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The events the customer service publishes, as documented: the first test publishes them in its place.
EVENT_EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "events"


@pytest.fixture
def pg_app(make_settings, postgres_database) -> Iterator[Flask]:
    """The reminder app on a fresh PostgreSQL database migrated by the real migrations."""
    url = postgres_database("reminder")
    upgrade(url, MIGRATIONS)
    application = create_app(make_settings("reminder", database_url=url))
    yield application
    service_context(application).engine.dispose()


def published(app: Flask, type: str) -> list:
    with service_context(app).engine.connect() as connection:
        bodies = connection.execute(select(outbox.c.body).where(outbox.c.type == type)).scalars().all()
    return [parse_event(body) for body in bodies]


def reminders_of(client, customer_id: str) -> dict[str, list[dict]]:
    items = client.get(f"/api/v1/reminders?customer_id={customer_id}&page_size=200", headers=AGENT).get_json()["items"]
    found: dict[str, list[dict]] = {}
    for item in items:
        found.setdefault(item["rule"], []).append(item)
    return found


def wait_for(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def visit_done(customer_id: str, asset_id: str, kind: str, **details: object) -> dict:
    """visit.done.v1's data as the customer service publishes a visit recorded now by li.si."""
    now = datetime.now(UTC).isoformat()
    return {"customer_id": customer_id, "visit": {
        "id": str(uuid.uuid4()), "customer_id": customer_id, "kind": kind, "occurred_at": now, "asset_id": asset_id,
        "staff": None, "notes": None, "details": details, "recorded_by": "li.si", "created_at": now, "version": 1,
        "reminder_id": None, "updated_at": None, "voided_at": None, "voided_by": None, "void_reason": None}}


def test_a_delivery_in_the_customer_service_plans_callbacks_and_maintenance_here(pg_app, stand_in):
    archive = stand_in("customer")  # the customer service as the events it publishes, through the broker
    here = pg_app.test_client()
    stop = threading.Event()
    consumer = Consumer(service_context(pg_app).sessions, subscriptions(pg_app.extensions["reminder_settings"]),
                        archive.relay.connect, retry_delay=0.2)
    workers = [threading.Thread(target=consumer.run, args=(stop,)),
               threading.Thread(target=archive.relay.run, args=(stop,))]
    for worker in workers:
        worker.start()
    today = datetime.now(SHANGHAI).date()
    try:
        assert consumer.ready.wait(15)
        # what the customer service publishes for a prospect of li.si's, a car registered to them, its delivery
        example = json.loads((EVENT_EXAMPLES / "customer.created.v1.json").read_text(encoding="utf-8"))["data"]
        now = datetime.now(UTC).isoformat()
        customer = {**example, "id": str(uuid.uuid4()), "name": "刘洋", "phone": "+8613800138001", "gender": None,
                    "birthday": None, "email": None, "quiet_hours": None, "store_id": None, "tags": [],
                    "owner": "li.si", "consent": {"sms": False, "phone": False, "email": False, "wechat": False},
                    "created_at": now, "updated_at": now}
        archive.publish("customer.created.v1", customer["id"], customer)
        asset = {"id": str(uuid.uuid4()), "customer_id": customer["id"], "kind": "vehicle", "model": "雅阁",
                 "plate": "粤B·A0001", "vin": None, "delivered_on": None, "expires_on": None, "description": None,
                 "odometer_km": 12, "created_at": now, "version": 1, "status": "active", "updated_at": None,
                 "voided_at": None, "voided_by": None, "void_reason": None}
        archive.publish("asset.registered.v1", customer["id"], {"customer_id": customer["id"], "asset": asset})
        archive.publish("visit.done.v1", customer["id"], visit_done(customer["id"], asset["id"], "delivery"))
        archive.publish("customer.updated.v1", customer["id"], {
            "id": customer["id"], "version": 2, "kind": "owner", "stage": "owner",
            "changes": {"kind": ["prospect", "owner"], "stage": ["prospect", "owner"]}})
        planned = wait_for(lambda: (lambda found: found if {"delivery_callback_3d", "delivery_callback_1m",
                                                            "first_maintenance"} <= set(found) else None)(
            reminders_of(here, customer["id"])))
        [three], [month], [first] = (planned[rule] for rule in ("delivery_callback_3d", "delivery_callback_1m",
                                                                "first_maintenance"))
        assert three["reason"].endswith(f"→ due {today + timedelta(days=3)}") and three["owner"] == "li.si"
        assert month["status"] == "scheduled" and "1 month after delivery of 粤B·A0001" in month["reason"]
        assert first["reason"].startswith("first maintenance: 3 months since delivery on")

        archive.publish("visit.done.v1", customer["id"], visit_done(customer["id"], asset["id"], "service",
                                                                   odometer_km=1_500, service_type="maintenance"))
        moved = wait_for(lambda: (lambda found: found if "next_maintenance" in found else None)(
            reminders_of(here, customer["id"])))
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=15)
    [first] = moved["first_maintenance"]
    assert first["status"] == "cancelled" and first["cancel_reason"] == f"no longer needed: service visit on {today}"
    [following] = moved["next_maintenance"]
    assert following["status"] == "scheduled" and f"since last service on {today}" in following["reason"]


def test_two_scheduler_replicas_fire_each_reminder_once(pg_app, monkeypatch):
    sessions = service_context(pg_app).sessions
    moment = datetime.now(UTC)
    with unit_of_work(sessions) as session:
        session.execute(customers.insert(), [{"id": f"00000000-0000-0000-0000-{n:012d}", "version": 1,
                                              "owner": "li.si", "updated_at": moment} for n in range(20)])
        session.execute(reminders.insert(), [{
            "id": str(uuid.uuid4()), "key": f"delivery_callback_3d:test:{n}", "rule_id": "delivery_callback_3d",
            "kind": "delivery_callback", "customer_id": f"00000000-0000-0000-0000-{n % 20:012d}",
            "due_at": moment - timedelta(minutes=n), "status": "scheduled", "owner": "li.si", "reason": f"test {n}",
            "task": True, "created_at": moment} for n in range(400)])
    # a slower firing, so the replicas' batches overlap in time
    plan_notifications = scheduler_module._notifications_for
    monkeypatch.setattr(scheduler_module, "_notifications_for", lambda *args: (time.sleep(0.001),
                                                                               plan_notifications(*args))[1])
    url = service_context(pg_app).settings.database_url
    engines = [make_engine(url) for _ in range(2)]
    settings = replace(pg_app.extensions["reminder_settings"], scheduler_batch=20)
    barrier, counts = threading.Barrier(2), [0, 0]

    def run(index: int) -> None:
        barrier.wait()
        counts[index] = Scheduler(make_session_factory(engines[index]), settings).run_once()["fired"]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert sum(counts) == 400 and min(counts) > 0, counts  # both worked, none twice
    fired = Counter(event.subject for event in published(pg_app, "reminder.due.v1"))
    assert len(fired) == 400 and set(fired.values()) == {1}
    assert Scheduler(sessions, settings).run_once()["fired"] == 0


def test_a_webhook_receiver_gets_signed_notifications_retried_until_it_answers(pg_app, receiver):
    hook = receiver([502, 500, 200])
    client = pg_app.test_client()
    assert client.patch("/api/v1/reminders/rules/birthday", json={"channels": ["webhook"]},
                        headers=MANAGER).status_code == 200
    settings = replace(pg_app.extensions["reminder_settings"], webhook_url=hook.url, webhook_secret="s3cret",
                       retry_backoff=0.2)
    sessions = service_context(pg_app).sessions
    customer_id = str(uuid.uuid4())
    today = datetime.now(SHANGHAI).date()
    from reminder.service_layer.customer_copy import apply_customer

    with unit_of_work(sessions) as session:
        apply_customer(session, {"id": customer_id, "version": 1, "name": "王芳", "owner": "li.si",
                                 "birthday": (today + timedelta(days=1)).replace(year=1990).isoformat(),
                                 "consent": {"sms": True, "phone": True, "email": False}}, SHANGHAI, created=True)
    start = datetime.now(UTC) + timedelta(days=2)
    channels = senders(settings)
    scheduler = Scheduler(sessions, settings, deliver=lambda moment: deliver_due(sessions, settings, channels, moment),
                          clock=lambda: start)
    scheduler.run_once()
    for step in range(1, 4):
        deliver_due(sessions, settings, channels, start + timedelta(seconds=step))
    assert len(hook.requests) == 3
    assert all(verify("s3cret", headers["X-Guanxi-Signature"], body, now=time.time())
               for headers, body in hook.requests)
    assert len({headers["X-Guanxi-Delivery"] for headers, _ in hook.requests}) == 1
    [sent] = published(pg_app, "reminder.sent.v1")
    assert sent.data["channel"] == "webhook" and sent.data["customer_id"] == customer_id


def test_on_postgres_corrections_replan_lists_say_whom_to_call_and_a_callback_visit_closes_its_task(pg_app, example):
    from reminder.entrypoints.consumer import ARCHIVE_QUEUE
    from servicekit.consumer import apply_once
    from servicekit.events import Event

    handler = subscriptions(pg_app.extensions["reminder_settings"])[0].handler
    sessions = service_context(pg_app).sessions

    def feed(type: str, data: dict) -> str:
        event = Event(id=str(uuid.uuid4()), type=type, source="/guanxi/test",
                      subject=data.get("customer_id") or data["id"], time=datetime.now(UTC).isoformat(), data=data)
        return apply_once(sessions, ARCHIVE_QUEUE, event, handler)

    today = datetime.now(SHANGHAI).date()
    customer = {**example("customer.created.v1"), "id": str(uuid.uuid4()), "kind": "owner", "stage": "owner",
                "name": "马丽", "created_at": datetime.now(UTC).isoformat()}
    assert feed("customer.created.v1", customer) == "applied"
    registered = example("asset.registered.v1")
    asset_id = str(uuid.uuid4())
    registered["customer_id"] = customer["id"]
    registered["asset"].update(id=asset_id, customer_id=customer["id"], delivered_on=str(today - timedelta(days=5)))
    assert feed("asset.registered.v1", registered) == "applied"
    done = example("visit.done.v1")
    visit = {**done["visit"], "id": str(uuid.uuid4()), "customer_id": customer["id"], "asset_id": asset_id,
             "occurred_at": "2030-01-01T04:00:00+00:00", "version": 1,
             "details": {"odometer_km": 900, "service_type": "maintenance"}}
    assert feed("visit.done.v1", {"customer_id": customer["id"], "visit": visit}) == "applied"
    client = pg_app.test_client()
    assert reminders_of(client, customer["id"])["lost_customer"][0]["due_at"].startswith("2030-07")
    corrected = {**example("visit.corrected.v1"), "customer_id": customer["id"],
                 "visit": {**visit, "occurred_at": datetime.now(UTC).isoformat(), "version": 2}}
    assert feed("visit.corrected.v1", corrected) == "applied"
    lost = [item for item in reminders_of(client, customer["id"])["lost_customer"] if item["status"] == "scheduled"]
    assert len(lost) == 1 and not lost[0]["due_at"].startswith("2030")

    Scheduler(sessions, pg_app.extensions["reminder_settings"], clock=lambda: datetime.now(UTC)).run_once()
    page = client.get(f"/api/v1/reminders/tasks?customer_id={customer['id']}&page_size=1", headers=AGENT).get_json()
    [task] = page["items"]
    assert page["total"] >= 1 and task["customer_name"] == "马丽" and task["vehicle"]["plate"] == "粤B·D12345"
    assert task["rule"] == "delivery_callback_3d" and task["days_overdue"] >= 1
    assert task["reason_text"].startswith("三天回访") and task["script"].startswith("您好，请问是马丽吗")
    callback = {**done["visit"], "id": str(uuid.uuid4()), "customer_id": customer["id"], "kind": "callback",
                "asset_id": asset_id, "occurred_at": datetime.now(UTC).isoformat(),
                "details": {"channel": "phone", "satisfaction": "satisfied"}}
    assert feed("visit.done.v1", {"customer_id": customer["id"], "visit": callback}) == "applied"
    closed = client.get(f"/api/v1/reminders/{task['id']}", headers=AGENT).get_json()
    assert (closed["status"], closed["visit_id"]) == ("done", callback["id"])
    [event] = published(pg_app, "reminder.completed.v1")
    assert event.data["visit_id"] == callback["id"] and event.data["callback"] is None


def test_a_customer_re_planned_by_several_at_once_gets_each_new_reminder_once(pg_app):
    """The consumer, the scheduler and a completed task may re-plan one customer at the same moment: each would
    add the same new reminder, and all but one failed on its unique key (a 500 for the person completing)."""
    from reminder.service_layer.customer_copy import apply_customer
    from reminder.service_layer.planning import replan

    sessions = service_context(pg_app).sessions
    customer_id = str(uuid.uuid4())
    with unit_of_work(sessions) as session:
        apply_customer(session, {"id": customer_id, "version": 1, "name": "王芳", "kind": "owner"}, SHANGHAI,
                       created=True)
        session.execute(reminders.delete().where(reminders.c.customer_id == customer_id))
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def again() -> None:
        try:
            with unit_of_work(sessions) as session:
                start.wait(5)
                replan(session, customer_id, SHANGHAI, "at once")
        except BaseException as error:  # collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=again) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    with unit_of_work(sessions) as session:
        keys = session.execute(select(reminders.c.key).where(reminders.c.customer_id == customer_id)).scalars().all()
    assert keys and len(keys) == len(set(keys))
