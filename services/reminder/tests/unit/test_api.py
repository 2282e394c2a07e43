"""The HTTP API: rules for managers, tasks for agents, appointments and KPIs; bad input is a clear 4xx
that changes nothing."""
import uuid
from datetime import UTC, datetime, timedelta

from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
OTHER = auth_headers("agent", "zhou.sa")
MANAGER = auth_headers("manager", "boss")
VIEWER = auth_headers("viewer", "guest")


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def open_task(client, customer, vehicle, run_scheduler, rule="delivery_callback_3d"):
    customer_id = customer()
    asset_id = vehicle(customer_id)
    run_scheduler(later(3.5))
    items = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}&rule={rule}", headers=AGENT)
    [task] = items.get_json()["items"]
    return customer_id, asset_id, task


# rules

def test_anyone_reads_rules_only_managers_change_them(client):
    listing = client.get("/api/v1/reminders/rules", headers=VIEWER).get_json()["items"]
    seeded = {rule["id"]: rule for rule in listing}
    assert seeded["first_maintenance"]["params"] == {"months": 3, "km": 3000}
    assert seeded["delivery_callback_1m"]["params"] == {"days": 0, "months": 1}
    assert seeded["lost_customer"]["params"] == {"months": 6, "customer_kinds": ["owner"]}
    assert seeded["renewal"]["params"] == {"months_before": 1}
    assert all(rule["builtin"] for rule in listing) and len(listing) == 16
    assert client.patch("/api/v1/reminders/rules/birthday", json={"enabled": False}, headers=AGENT).status_code == 403
    assert client.post("/api/v1/reminders/rules", json={}, headers=VIEWER).status_code == 403
    assert client.get("/api/v1/reminders/rules").status_code == 401


def test_the_kinds_of_rule_say_what_each_takes(client):
    kinds = {item["kind"]: item for item in client.get("/api/v1/reminders/rule-kinds", headers=VIEWER).get_json()[
        "items"]}
    assert kinds["first_maintenance"]["params"]["km"] == {"type": "integer", "default": 3000, "minimum": 100,
                                                          "maximum": 100_000}
    assert kinds["holiday_greeting"]["recurring"] is True and kinds["lost_customer"]["recurring"] is False
    assert kinds["holiday_greeting"]["params"]["festivals"]["default"] == ["spring_festival", "dragon_boat",
                                                                           "mid_autumn"]


def test_rules_times_are_sent_with_their_utc_offset(client):
    created = client.post("/api/v1/reminders/rules", headers=MANAGER, json={
        "id": "callback_10d", "kind": "delivery_callback", "name": "十天回访", "params": {"days": 10}})
    assert created.status_code == 201, created.text
    listing = client.get("/api/v1/reminders/rules", headers=VIEWER).get_json()["items"]
    for rule in [created.get_json(), *listing]:
        for name in ("created_at", "updated_at"):
            assert datetime.fromisoformat(rule[name]).tzinfo is not None, (rule["id"], name, rule[name])


def test_rule_input_is_checked_field_by_field_and_changes_nothing(client):
    def create(**body):
        return client.post("/api/v1/reminders/rules", headers=MANAGER, json={
            "id": "callback_10d", "kind": "delivery_callback", "name": "十天回访", **body})

    bad = create(params={"days": -1, "weeks": 2})
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert set(bad.get_json()["errors"]) == {"params.days", "params.weeks"}
    assert create(params={"days": 99_999}).get_json()["errors"] == {"params.days": ["Must be between 0 and 3650."]}
    assert create(kind="picnic").status_code == 422
    assert create(id="Bad Id").get_json()["errors"]["id"]
    assert create(task=False, channels=[]).get_json()["errors"] == {
        "channels": ["A rule that makes no task must notify on at least one channel."]}
    assert create(kind="no_show_follow_up").get_json()["errors"]["kind"]
    assert client.post("/api/v1/reminders/rules", headers=MANAGER, json={
        "id": "greet", "kind": "holiday_greeting", "name": "x", "task": False, "channels": ["sms"],
        "params": {"festivals": ["christmas"]}}).get_json()["errors"]["params.festivals"]
    assert client.get("/api/v1/reminders/rules/callback_10d", headers=VIEWER).status_code == 404
    assert create(params={"days": 10}).status_code == 201
    again = create(params={"days": 11})
    assert again.status_code == 409 and "exists" in again.get_json()["detail"]
    patch = client.patch("/api/v1/reminders/rules/first_maintenance", json={"params": {"km": 50}}, headers=MANAGER)
    assert patch.status_code == 422 and patch.get_json()["errors"] == {"params.km": ["Must be between 100 and 100000."]}
    assert client.get("/api/v1/reminders/rules/first_maintenance", headers=VIEWER).get_json()["params"]["km"] == 3000


def test_params_merge_a_built_in_rule_cannot_be_deleted_but_reset(client):
    changed = client.patch("/api/v1/reminders/rules/first_maintenance", json={"params": {"km": 5000},
                                                                            "time_of_day": "10:30"}, headers=MANAGER)
    assert changed.get_json()["params"] == {"months": 3, "km": 5000} and changed.get_json()["version"] == 2
    assert changed.get_json()["updated_by"] == "boss"
    refused = client.delete("/api/v1/reminders/rules/first_maintenance", headers=MANAGER)
    assert refused.status_code == 409 and "switch it off" in refused.get_json()["detail"]
    reset = client.post("/api/v1/reminders/rules/first_maintenance/reset", headers=MANAGER).get_json()
    assert reset["params"] == {"months": 3, "km": 3000} and reset["time_of_day"] == "09:00"


def test_deleting_an_added_rule_cancels_its_scheduled_reminders(client, customer, vehicle, run_scheduler):
    client.post("/api/v1/reminders/rules", headers=MANAGER, json={
        "id": "callback_10d", "kind": "delivery_callback", "name": "十天回访", "params": {"days": 10}})
    customer_id = customer()
    vehicle(customer_id)
    [planned] = client.get(f"/api/v1/reminders?customer_id={customer_id}&rule=callback_10d",
                           headers=AGENT).get_json()["items"]
    assert planned["status"] == "scheduled"
    assert client.delete("/api/v1/reminders/rules/callback_10d", headers=MANAGER).status_code == 204
    after = client.get(f"/api/v1/reminders/{planned['id']}", headers=AGENT).get_json()
    assert after["status"] == "cancelled" and after["cancel_reason"] == "rule callback_10d deleted"
    assert client.delete("/api/v1/reminders/rules/callback_10d", headers=MANAGER).status_code == 404


# tasks

def test_claim_then_complete_a_task_emits_the_outcome(client, events, customer, vehicle, run_scheduler):
    customer_id, _, task = open_task(client, customer, vehicle, run_scheduler)
    claimed = client.post(f"/api/v1/reminders/{task['id']}/claim", headers=OTHER)
    assert claimed.status_code == 200
    assert (claimed.get_json()["status"], claimed.get_json()["owner"]) == ("claimed", "zhou.sa")
    mine = client.get("/api/v1/reminders/tasks?mine=true", headers=OTHER).get_json()["items"]
    assert [item["id"] for item in mine] == [task["id"]]
    done = client.post(f"/api/v1/reminders/{task['id']}/complete", headers=OTHER,
                       json={"outcome": "reached", "notes": "客户满意"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    [event] = [event for event in events() if event.type == "reminder.completed.v1"]
    assert (event.subject, event.data["outcome"], event.data["completed_by"], event.data["notes"]) == (
        task["id"], "reached", "zhou.sa", "客户满意")
    again = client.post(f"/api/v1/reminders/{task['id']}/complete", headers=OTHER, json={"outcome": "reached"})
    assert again.status_code == 409 and again.get_json()["current_status"] == "done"
    # the call was a contact: the contact cadence starts again from today
    [cadence] = client.get(f"/api/v1/reminders?customer_id={customer_id}&rule=contact_cadence&status=scheduled",
                           headers=AGENT).get_json()["items"]
    assert "since last contact on" in cadence["reason"]


def test_task_errors_name_what_is_allowed(client, customer, vehicle, run_scheduler):
    customer_id, _, task = open_task(client, customer, vehicle, run_scheduler)
    unknown = client.post(f"/api/v1/reminders/{uuid.uuid4()}/claim", headers=AGENT)
    assert unknown.status_code == 404
    [scheduled] = client.get(f"/api/v1/reminders?customer_id={customer_id}&rule=delivery_callback_1m",
                             headers=AGENT).get_json()["items"]
    early = client.post(f"/api/v1/reminders/{scheduled['id']}/claim", headers=AGENT)
    assert early.status_code == 409 and early.get_json()["allowed"] == "wait until it is due"
    assert client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT,
                       json={"outcome": "maybe"}).get_json()["errors"]["outcome"]
    assert client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT,
                       json={"outcome": "lost", "lost_reason": "价格"}).get_json()["errors"] == {
        "lost_reason": ["Only a lost-customer win-back records why the customer left."]}
    past = client.post(f"/api/v1/reminders/{task['id']}/snooze", headers=AGENT, json={"until": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422 and past.get_json()["errors"] == {"until": ["Snooze until a time in the future."]}
    assert client.post(f"/api/v1/reminders/{task['id']}/claim", headers=VIEWER).status_code == 403
    assert client.get(f"/api/v1/reminders/{task['id']}", headers=AGENT).get_json()["status"] == "due"


def test_a_lost_customer_win_back_records_why_they_left(client, events, customer, visit, run_scheduler):
    customer_id = customer(kind="owner")
    visit(customer_id, "service", datetime.now(UTC) - timedelta(days=200))
    run_scheduler(later(0.01))
    [task] = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}&rule=lost_customer",
                        headers=AGENT).get_json()["items"]
    assert "流失客户" in task["reason"]
    missing = client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT, json={"outcome": "lost"})
    assert missing.status_code == 422 and list(missing.get_json()["errors"]) == ["lost_reason"]
    done = client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT,
                       json={"outcome": "lost", "lost_reason": "搬去外地"})
    assert done.status_code == 200 and done.get_json()["lost_reason"] == "搬去外地"
    [event] = [event for event in events() if event.type == "reminder.completed.v1"]
    assert event.data["lost_reason"] == "搬去外地" and event.data["rule_kind"] == "lost_customer"


def test_a_caller_tied_to_a_store_sees_and_works_that_stores_customers_only(client, customer, vehicle,
                                                                            run_scheduler):
    from servicekit.auth import Identity, issue_token
    from servicekit.testing import TEST_SECRET

    north_agent = {"Authorization": "Bearer " + issue_token(
        TEST_SECRET, Identity("north.agent", "agent", stores=("store-north",)), 3600)}
    north, south = customer(store_id="store-north"), customer(store_id="store-south")
    vehicle(north)
    vehicle(south)
    run_scheduler(later(3.5))
    listed = client.get("/api/v1/reminders?page_size=200", headers=north_agent).get_json()["items"]
    assert listed and {item["customer_id"] for item in listed} == {north}
    tasks = client.get("/api/v1/reminders/tasks", headers=north_agent).get_json()["items"]
    assert {item["customer_id"] for item in tasks} == {north}
    [theirs] = client.get(f"/api/v1/reminders/tasks?customer_id={south}", headers=AGENT).get_json()["items"]
    assert client.get(f"/api/v1/reminders/{theirs['id']}", headers=north_agent).status_code == 403
    refused = client.post(f"/api/v1/reminders/{theirs['id']}/claim", headers=north_agent)
    assert refused.status_code == 403 and "store-south" in refused.get_json()["detail"]
    assert client.get(f"/api/v1/reminders/{theirs['id']}", headers=AGENT).get_json()["status"] == "due"
    booking = {"customer_id": south, "purpose": "maintenance", "scheduled_at": later(1).isoformat()}
    assert client.post("/api/v1/appointments", headers=north_agent, json=booking).status_code == 403
    assert client.post("/api/v1/appointments", headers=AGENT, json=booking).status_code == 201
    assert client.get("/api/v1/appointments", headers=north_agent).get_json()["total"] == 0
    window = f"from={later(-1).date()}T00:00:00Z&to={later(30).date()}T00:00:00Z"
    [row] = client.get(f"/api/v1/reminders/kpis?{window}", headers=north_agent).get_json()["items"]
    assert row["tasks_due"] == 1


def test_tasks_are_filtered_by_store(client, feed, customer, vehicle, run_scheduler):
    north, south = customer(store_id="store-north"), customer(store_id="store-south")
    vehicle(north)
    vehicle(south)
    run_scheduler(later(3.5))
    items = client.get("/api/v1/reminders/tasks?store_id=store-north", headers=AGENT).get_json()["items"]
    assert items and {item["customer_id"] for item in items} == {north}


# appointments and KPIs

def test_booking_from_a_task_kept_by_a_service_visit_counts_in_the_kpis(client, events, customer, vehicle, visit,
                                                                        run_scheduler):
    customer_id, asset_id, task = open_task(client, customer, vehicle, run_scheduler)
    scheduled_at = later(1).replace(microsecond=0)
    booked = client.post("/api/v1/appointments", headers=AGENT, json={
        "customer_id": customer_id, "purpose": "maintenance", "scheduled_at": scheduled_at.isoformat(),
        "asset_id": asset_id, "reminder_id": task["id"]})
    assert booked.status_code == 201, booked.get_json()
    appointment = booked.get_json()
    client.post(f"/api/v1/reminders/{task['id']}/complete", headers=AGENT, json={"outcome": "booked"})
    # a store visit is not a maintenance; a service visit for the same car two hours late keeps it
    visit(customer_id, "store", scheduled_at)
    assert client.get(f"/api/v1/appointments/{appointment['id']}", headers=AGENT).get_json()["status"] == "booked"
    visit_id = visit(customer_id, "service", scheduled_at + timedelta(hours=2), asset_id, odometer_km=900)
    kept = client.get(f"/api/v1/appointments/{appointment['id']}", headers=AGENT).get_json()
    assert (kept["status"], kept["visit_id"]) == ("kept", visit_id)
    [event] = [event for event in events() if event.type == "appointment.kept.v1"]
    assert (event.subject, event.data["visit_id"], event.data["reminder_id"]) == (
        appointment["id"], visit_id, task["id"])
    window = f"from={later(-1).date()}T00:00:00Z&to={later(30).date()}T00:00:00Z"
    by_owner = client.get(f"/api/v1/reminders/kpis?by=owner&{window}", headers=VIEWER).get_json()["items"]
    [mine] = [row for row in by_owner if row["owner"] == "li.si"]
    assert (mine["tasks_due"], mine["tasks_done"], mine["appointments_booked"], mine["appointments_kept"]) == (
        1, 1, 1, 1)
    assert (mine["booking_rate"], mine["show_up_rate"]) == (1.0, 1.0)
    by_rule = client.get(f"/api/v1/reminders/kpis?by=rule&{window}", headers=VIEWER).get_json()["items"]
    assert [row["rule"] for row in by_rule] == ["delivery_callback_3d"]


def test_booking_input_is_checked(client, customer, vehicle):
    customer_id, stranger = customer(), customer()
    asset_id = vehicle(stranger)

    def book(**body):
        return client.post("/api/v1/appointments", headers=AGENT, json={
            "customer_id": customer_id, "purpose": "maintenance", "scheduled_at": later(1).isoformat(), **body})

    assert book(customer_id=str(uuid.uuid4())).get_json()["errors"]["customer_id"]
    assert book(asset_id=asset_id).get_json()["errors"] == {"asset_id": [f"The customer has no asset {asset_id}."]}
    assert book(scheduled_at="2020-01-01T10:00:00+08:00").get_json()["errors"]["scheduled_at"]
    assert book(purpose="picnic").status_code == 422
    assert book(reminder_id=str(uuid.uuid4())).get_json()["errors"]["reminder_id"]
    assert client.get(f"/api/v1/appointments?customer_id={customer_id}", headers=AGENT).get_json()["total"] == 0
    first = book(scheduled_at="2099-01-01T10:00:00+08:00")
    assert first.get_json()["scheduled_at"] == "2099-01-01T02:00:00+00:00"


def test_a_cancelled_appointment_is_neither_kept_nor_missed(client, events, customer, run_scheduler):
    customer_id = customer()
    booked = client.post("/api/v1/appointments", headers=AGENT, json={
        "customer_id": customer_id, "purpose": "test_drive", "scheduled_at": later(1).isoformat()}).get_json()
    cancelled = client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=AGENT, json={"reason": "改期"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=AGENT, json={})
    assert again.status_code == 409 and again.get_json()["current_status"] == "cancelled"
    assert client.post(f"/api/v1/appointments/{uuid.uuid4()}/cancel", headers=AGENT, json={}).status_code == 404
    assert run_scheduler(later(5))["no_shows"] == 0
    [event] = [event for event in events() if event.type == "appointment.cancelled.v1"]
    assert (event.subject, event.data["cancelled_by"], event.data["reason"]) == (booked["id"], "li.si", "改期")


def test_listing_filters_are_checked(client):
    assert client.get("/api/v1/reminders?customer_id=nope", headers=AGENT).get_json()["errors"]["customer_id"]
    assert client.get("/api/v1/reminders?colour=red", headers=AGENT).status_code == 422
    assert client.get("/api/v1/reminders?page=0", headers=AGENT).status_code == 422
    assert client.get("/api/v1/reminders/kpis?from=2027-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                      headers=AGENT).get_json()["errors"] == {"to": ["Must be after from."]}
    assert client.get("/api/v1/reminders/kpis", headers=AGENT).status_code == 422


def test_opt_outs_are_kept_once_and_can_be_removed(client, customer):
    customer_id = customer()
    body = {"customer_id": customer_id, "channel": "sms"}
    assert client.post("/api/v1/reminders/opt-outs", json=body, headers=AGENT).status_code == 201
    assert client.post("/api/v1/reminders/opt-outs", json=body, headers=AGENT).status_code == 201
    listed = client.get(f"/api/v1/reminders/opt-outs?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    assert [(row["channel"], row["created_by"]) for row in listed] == [("sms", "li.si")]
    assert client.post("/api/v1/reminders/opt-outs", json={**body, "channel": "fax"}, headers=AGENT).status_code == 422
    assert client.delete(f"/api/v1/reminders/opt-outs/{customer_id}/sms", headers=AGENT).status_code == 204
    assert client.delete(f"/api/v1/reminders/opt-outs/{customer_id}/sms", headers=AGENT).status_code == 404


def test_every_endpoint_is_in_the_openapi_document(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"/api/v1/reminders", "/api/v1/reminders/tasks", "/api/v1/reminders/{reminder_id}/complete",
            "/api/v1/reminders/rules", "/api/v1/reminders/rules/{rule_id}", "/api/v1/reminders/kpis",
            "/api/v1/appointments", "/api/v1/appointments/{appointment_id}"} <= set(paths)


def test_a_broadcast_reaches_one_stores_customers_through_their_consent(client, customer, run_scheduler):
    consenting = customer(store_id="store-north", quiet_hours=None)
    refusing = customer(store_id="store-north", quiet_hours=None, consent={"sms": False, "phone": True, "email": False})
    elsewhere = customer(store_id="store-south")
    body = {"message": "明日有暴雨，请注意行车安全。", "store_id": "store-north"}
    assert client.post("/api/v1/reminders/broadcasts", json=body, headers=AGENT).status_code == 403
    sent = client.post("/api/v1/reminders/broadcasts", json=body, headers=MANAGER)
    assert sent.status_code == 201 and sent.get_json()["recipients"] == 2 and sent.get_json()["channels"] == ["sms"]
    run_scheduler(later(0.01), sms_url="http://127.0.0.1:9/sms")
    notes = {}
    for customer_id in (consenting, refusing):
        [notice] = client.get(f"/api/v1/reminders?customer_id={customer_id}&rule=broadcast",
                              headers=AGENT).get_json()["items"]
        assert notice["reason"] == "明日有暴雨，请注意行车安全。" and notice["task"] is False
        [note] = client.get(f"/api/v1/reminders/{notice['id']}/notifications", headers=AGENT).get_json()["items"]
        notes[customer_id] = (note["status"], note["skip_reason"])
    assert notes == {consenting: ("pending", None), refusing: ("skipped", "no consent to SMS")}
    assert client.get(f"/api/v1/reminders?customer_id={elsewhere}&rule=broadcast",
                      headers=AGENT).get_json()["items"] == []
    assert client.post("/api/v1/reminders/broadcasts", json={"message": ""}, headers=MANAGER).status_code == 422
    client.patch("/api/v1/reminders/rules/broadcast", json={"enabled": False}, headers=MANAGER)
    assert client.post("/api/v1/reminders/broadcasts", json=body, headers=MANAGER).status_code == 409


def test_a_manager_tied_to_a_store_broadcasts_to_that_stores_customers_only(client, customer):
    from servicekit.auth import Identity, issue_token
    from servicekit.testing import TEST_SECRET

    north_manager = {"Authorization": "Bearer " + issue_token(
        TEST_SECRET, Identity("north.boss", "manager", stores=("store-north",)), 3600)}
    north, south = customer(store_id="store-north"), customer(store_id="store-south")
    refused = client.post("/api/v1/reminders/broadcasts", json={"message": "暴雨", "store_id": "store-south"},
                          headers=north_manager)
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert refused.get_json()["detail"] == "You work for the stores store-north; store store-south are out of reach."
    sent = client.post("/api/v1/reminders/broadcasts", json={"message": "暴雨"}, headers=north_manager)
    assert sent.status_code == 201 and sent.get_json()["recipients"] == 1
    assert client.get(f"/api/v1/reminders?customer_id={south}&rule=broadcast", headers=AGENT).get_json()["items"] == []
    assert len(client.get(f"/api/v1/reminders?customer_id={north}&rule=broadcast",
                          headers=AGENT).get_json()["items"]) == 1


def test_appointments_are_listed_by_the_store_of_their_customer(client, customer):
    here, there = customer(store_id="sz01"), customer(store_id="gz01")
    for customer_id in (here, there):
        booked = client.post("/api/v1/appointments", headers=AGENT, json={
            "customer_id": customer_id, "purpose": "maintenance", "scheduled_at": later(1).isoformat()})
        assert booked.status_code == 201, booked.text
    listed = client.get("/api/v1/appointments?store_id=sz01", headers=AGENT).get_json()
    assert [item["customer_id"] for item in listed["items"]] == [here] and listed["total"] == 1
    assert client.get("/api/v1/appointments?store_id=", headers=AGENT).status_code == 422
