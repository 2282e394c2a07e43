"""A callback task completed with the customer's satisfaction carries the callback (the customer service records
the visit from it); a callback visit recorded on its own closes the matching open callback task."""
import uuid
from datetime import UTC, datetime, timedelta

from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def tasks_of(client, customer_id):
    return client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}", headers=AGENT).get_json()["items"]


def callback_visit(feed, example, customer_id, asset_id=None, reminder_id=None, event_id=None):
    data = example("visit.done.v1")
    visit = {**data["visit"], "id": str(uuid.uuid4()), "customer_id": customer_id, "kind": "callback",
             "occurred_at": datetime.now(UTC).isoformat(), "asset_id": asset_id, "staff": "zhou.sa",
             "details": {"channel": "wechat", "satisfaction": "satisfied"}, "reminder_id": reminder_id}
    assert feed("visit.done.v1", {"customer_id": customer_id, "visit": visit}, event_id=event_id) in (
        "applied", "duplicate")
    return visit


def test_completing_a_callback_task_with_satisfaction_carries_the_callback(client, events, customer, vehicle,
                                                                          run_scheduler):
    customer_id = customer()
    vehicle(customer_id)
    run_scheduler(later(3.5))
    [task] = tasks_of(client, customer_id)
    callback = {"channel": "wechat", "satisfaction": "very_satisfied", "scores": {"交车服务": 10},
                "outcome": "客户很满意，建议增加夜间交车"}
    done = client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT,
                       json={"outcome": "reached", "callback": callback})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["callback"] == callback
    [event] = [event for event in events() if event.type == "reminder.completed.v1"]
    assert event.data["callback"] == callback and event.data["visit_id"] is None
    assert event.data["completed_by"] == "li.si" and event.subject == task["id"]


def test_a_callback_is_checked(client, customer, vehicle, visit, run_scheduler):
    customer_id = customer()
    vehicle(customer_id)
    run_scheduler(later(3.5))
    [task] = tasks_of(client, customer_id)
    bad = client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT, json={
        "outcome": "reached", "callback": {"channel": "pigeon", "satisfaction": "meh", "scores": {"x": "ten"}}})
    assert bad.status_code == 422
    assert {name.split(".")[1] for name in bad.get_json()["errors"]} == {"channel", "satisfaction", "scores"}, \
        bad.get_json()
    unreached = client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT, json={
        "outcome": "not_reached", "callback": {"channel": "phone", "satisfaction": "neutral"}})
    assert unreached.status_code == 422 and list(unreached.get_json()["errors"]) == ["callback"]
    assert tasks_of(client, customer_id)[0]["status"] == "due"
    # a task that is no callback records none
    other = customer(kind="owner")
    visit(other, "service", datetime.now(UTC) - timedelta(days=200))
    run_scheduler(later(0.01))
    [lost] = [item for item in tasks_of(client, other) if item["rule"] == "lost_customer"]
    refused = client.post(f"/api/v1/reminders/{lost['id']}/complete", headers=AGENT, json={
        "outcome": "won_back", "callback": {"channel": "phone", "satisfaction": "neutral"}})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["callback"]


def test_a_callback_visit_closes_the_open_callback_task_of_its_vehicle(client, events, feed, example, customer,
                                                                        vehicle, run_scheduler):
    customer_id = customer()
    first, second = vehicle(customer_id), vehicle(customer_id)
    run_scheduler(later(3.5))
    tasks = {task["asset_id"]: task for task in tasks_of(client, customer_id)}
    assert set(tasks) == {first, second}
    event_id = str(uuid.uuid4())
    visit = callback_visit(feed, example, customer_id, asset_id=second, event_id=event_id)
    closed = client.get(f"/api/v1/reminders/{tasks[second]['id']}", headers=AGENT).get_json()
    assert (closed["status"], closed["outcome"], closed["visit_id"]) == ("done", "done", visit["id"])
    assert closed["completed_by"] == "zhou.sa"
    assert [task["id"] for task in tasks_of(client, customer_id)] == [tasks[first]["id"]]
    [event] = [event for event in events() if event.type == "reminder.completed.v1"]
    assert (event.subject, event.data["visit_id"], event.data["callback"], event.data["outcome"]) == (
        tasks[second]["id"], visit["id"], None, "done")
    # delivered again: nothing more
    assert feed("visit.done.v1", {"customer_id": customer_id, "visit": visit}, event_id=event_id) == "duplicate"
    assert feed("visit.done.v1", {"customer_id": customer_id, "visit": visit}) == "applied"
    assert len([event for event in events() if event.type == "reminder.completed.v1"]) == 1
    assert [task["id"] for task in tasks_of(client, customer_id)] == [tasks[first]["id"]]


def test_a_callback_visit_without_a_vehicle_closes_the_earliest_due(client, feed, example, customer, vehicle,
                                                                   run_scheduler):
    customer_id = customer()
    vehicle(customer_id, delivered_on=(datetime.now(UTC) - timedelta(days=2)).date().isoformat())
    vehicle(customer_id)
    run_scheduler(later(3.5))
    earliest, latest = tasks_of(client, customer_id)
    assert earliest["due_at"] < latest["due_at"]
    callback_visit(feed, example, customer_id)
    assert [task["id"] for task in tasks_of(client, customer_id)] == [latest["id"]]


def test_a_callback_visit_recorded_from_a_task_does_nothing_more(client, events, feed, example, customer, vehicle,
                                                                  run_scheduler):
    customer_id = customer()
    vehicle(customer_id)
    vehicle(customer_id)
    run_scheduler(later(3.5))
    first, second = tasks_of(client, customer_id)
    client.post(f"/api/v1/reminders/{first['id']}/complete", headers=AGENT,
                json={"outcome": "reached", "callback": {"channel": "phone", "satisfaction": "satisfied"}})
    callback_visit(feed, example, customer_id, asset_id=first["asset_id"], reminder_id=first["id"])
    assert [task["id"] for task in tasks_of(client, customer_id)] == [second["id"]]
    assert len([event for event in events() if event.type == "reminder.completed.v1"]) == 1
