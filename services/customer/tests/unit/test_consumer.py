"""`python -m customer consume`: a callback task completed with its outcome becomes one callback visit."""
from __future__ import annotations

import uuid

import pytest
import servicekit.staff as staff
from customer.entrypoints.consumer import REMINDERS_QUEUE, subscriptions
from customer.entrypoints.runner import DEFINITION
from customer.entrypoints.subscriptions import QUEUES
from customer.service_layer.callback_visits import callback_visit_id
from servicekit.consumer import apply_once
from servicekit.events import new_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context

from servicekit import topology

READER = auth_headers("viewer", "wang.wu")
WRITER = auth_headers("agent", "li.si")


def completed(customer_id: str, reminder_id: str, callback: dict | None, **more):
    return new_event("reminder", "reminder.completed.v1", reminder_id, {
        "reminder_id": reminder_id, "customer_id": customer_id, "asset_id": None, "rule": "delivery_callback",
        "rule_kind": "delivery_callback", "due_at": "2026-11-23T01:00:00+00:00", "owner": "li.si",
        "store_id": None, "reason": "交车回访", "status": "done", "outcome": "done", "completed_by": "zhou.sa",
        "completed_at": "2026-11-23T03:12:40.501000+00:00", "lost_reason": None, "notes": "客户对交车很满意",
        "callback": callback, **more})


def handler():
    [subscription] = [each for each in subscriptions() if each.queue == REMINDERS_QUEUE]
    return subscription.handler


@pytest.fixture
def apply(app):
    sessions = service_context(app).sessions
    return lambda event: apply_once(sessions, REMINDERS_QUEUE, event, handler())


def visits_of(client, customer):
    return client.get(f"/api/v1/customers/{customer['id']}/visits", headers=READER).get_json()


def test_the_consumer_reads_completed_reminders_and_the_gateways_users_on_queues_of_its_own():
    assert {subscription.queue for subscription in DEFINITION.subscriptions()} == {"customer.reminders",
                                                                                 "customer.users"}
    assert "reminder.completed.v1" in QUEUES["customer.reminders"]
    assert set(QUEUES["customer.users"]) == {"user.created.v1", "user.updated.v1"}


def test_each_subscription_is_bound_as_the_service_declares_it_for_the_whole_bus():
    """What the consumer declares is what `python -m servicekit.queues` and the deployment checks read."""
    assert {sub.queue: sub.routing_keys for sub in DEFINITION.subscriptions()} == QUEUES
    assert topology.installed_queues()["customer"] == QUEUES


def test_a_completed_callback_task_is_recorded_as_a_callback_visit(app, client, new_customer, apply, events):
    customer = new_customer()
    reminder_id = str(uuid.uuid4())
    event = completed(customer["id"], reminder_id, {"channel": "wechat", "satisfaction": "very_satisfied",
                                                     "scores": {"服务态度": 5}, "outcome": "满意"})
    assert apply(event) == "applied"
    listed = visits_of(client, customer)
    assert listed["total"] == 1
    recorded = listed["items"][0]
    assert recorded["id"] == callback_visit_id(reminder_id) == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "guanxi:reminder-callback:" + reminder_id))
    assert (recorded["kind"], recorded["reminder_id"], recorded["staff"], recorded["recorded_by"]) == (
        "callback", reminder_id, "zhou.sa", "zhou.sa")
    assert recorded["occurred_at"] == "2026-11-23T03:12:40.501000+00:00"
    assert recorded["details"] == {"channel": "wechat", "satisfaction": "very_satisfied",
                                   "scores": {"服务态度": 5}, "outcome": "满意"}
    assert recorded["notes"] == "客户对交车很满意"
    done = [e for e in events() if e.type == "visit.done.v1"]
    assert len(done) == 1 and done[0].data["visit"]["reminder_id"] == reminder_id
    assert done[0].subject == customer["id"]


def test_a_duplicated_reminder_completed_records_exactly_one_visit(app, client, new_customer, apply, events):
    customer = new_customer()
    reminder_id = str(uuid.uuid4())
    callback = {"channel": "phone", "satisfaction": "satisfied"}
    event = completed(customer["id"], reminder_id, callback)
    assert apply(event) == "applied"
    assert apply(event) == "duplicate"  # the same delivery again
    # the same completion published again under another event id (a replay)
    assert apply(completed(customer["id"], reminder_id, callback)) == "applied"
    assert visits_of(client, customer)["total"] == 1
    assert len([e for e in events() if e.type == "visit.done.v1"]) == 1


def test_a_completion_without_callback_records_nothing(app, client, new_customer, apply, events):
    customer = new_customer()
    assert apply(completed(customer["id"], str(uuid.uuid4()), None)) == "applied"
    old_shape = completed(customer["id"], str(uuid.uuid4()), None)
    del old_shape.data["callback"]
    assert apply(old_shape) == "applied"
    assert visits_of(client, customer)["total"] == 0


def test_a_merged_customers_task_goes_to_the_survivor_and_an_unknown_customer_records_nothing(
        app, client, new_customer, apply):
    x, y = new_customer(), new_customer()
    manager = auth_headers("manager", "zhao.jl")
    merged = client.post("/api/v1/customers/merges", headers=manager,
                         json={"survivor_id": y["id"], "merged_id": x["id"]})
    assert merged.status_code == 201, merged.get_json()
    apply(completed(x["id"], str(uuid.uuid4()), {"channel": "sms", "satisfaction": "neutral"}))
    assert visits_of(client, y)["total"] == 1
    assert apply(completed(str(uuid.uuid4()), str(uuid.uuid4()),
                           {"channel": "sms", "satisfaction": "neutral"})) == "applied"


def test_a_callback_the_archive_cannot_read_fails_so_it_is_retried_then_dead_lettered(app, new_customer, apply):
    customer = new_customer()
    with pytest.raises(Exception, match="channel"):
        apply(completed(customer["id"], str(uuid.uuid4()), {"channel": "pigeon", "satisfaction": "neutral"}))


def test_other_event_types_on_the_queue_are_ignored(app, apply):
    event = new_event("reminder", "reminder.due.v1", str(uuid.uuid4()), {"reminder_id": "x"})
    assert apply(event) == "applied"


def test_the_completed_tasks_asset_is_named_when_it_is_the_customers(app, client, new_customer, apply):
    customer = new_customer()
    asset = client.post(f"/api/v1/customers/{customer['id']}/assets", headers=WRITER,
                        json={"kind": "vehicle", "model": "雅阁"}).get_json()
    apply(completed(customer["id"], str(uuid.uuid4()), {"channel": "phone", "satisfaction": "satisfied"},
                    asset_id=asset["id"]))
    apply(completed(customer["id"], str(uuid.uuid4()), {"channel": "phone", "satisfaction": "satisfied"},
                    asset_id=str(uuid.uuid4())))
    assert sorted(str(v["asset_id"]) for v in visits_of(client, customer)["items"]) == sorted(
        [asset["id"], "None"])


def test_a_user_the_gateway_announces_on_the_users_queue_may_then_own_customers(app, client):
    def register(owner):
        return client.post("/api/v1/customers", headers=WRITER, json={
            "name": "周明", "phone": f"1390013{uuid.uuid4().int % 10000:04d}", "kind": "prospect", "owner": owner})

    assert register("xu.new").status_code == 422, "nobody has announced xu.new yet"
    [users] = [each for each in subscriptions() if each.queue == "customer.users"]
    announced = new_event("gateway", "user.created.v1", "xu.new", staff.user_data("xu.new", role="agent"))
    assert apply_once(service_context(app).sessions, "customer.users", announced, users.handler) == "applied"
    assert register("xu.new").status_code == 201
