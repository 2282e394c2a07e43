"""The scheduler: fires each due reminder once, catches up after downtime, plans the next greeting,
records why a notification is not sent, wakes snoozed tasks and calls missed appointments."""
from datetime import UTC, datetime, timedelta

from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def listed(client, **filters):
    query = "&".join(f"{name}={value}" for name, value in {"page_size": 200, **filters}.items())
    response = client.get(f"/api/v1/reminders?{query}", headers=AGENT)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def due_events(events):
    return [event for event in events() if event.type == "reminder.due.v1"]


def test_a_due_reminder_fires_once_and_becomes_an_open_task(events, client, customer, vehicle, run_scheduler):
    from prometheus_client import REGISTRY

    fired_before = REGISTRY.get_sample_value("reminder_fired_total", {"kind": "delivery_callback"}) or 0.0
    customer_id = customer()
    vehicle(customer_id)
    assert run_scheduler()["fired"] == 0  # nothing is due yet
    assert run_scheduler(later(3.5))["fired"] >= 1
    [callback] = listed(client, customer_id=customer_id, rule="delivery_callback_3d")
    assert callback["status"] == "due" and callback["fired_at"] is not None
    [event] = [event for event in due_events(events) if event.data["rule"] == "delivery_callback_3d"]
    assert event.subject == callback["id"] and event.data["reason"] == callback["reason"]
    assert event.data["status"] == "due" and event.data["owner"] == "li.si"
    assert run_scheduler(later(3.6))["fired"] == 0  # a second pass fires nothing again
    assert REGISTRY.get_sample_value("reminder_fired_total", {"kind": "delivery_callback"}) == fired_before + 1
    assert len([e for e in due_events(events) if e.data["rule"] == "delivery_callback_3d"]) == 1
    tasks = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    assert [task["rule"] for task in tasks] == ["delivery_callback_3d"]


def test_a_scheduler_that_was_down_catches_up_once(events, client, customer, vehicle, run_scheduler):
    customer_id = customer()
    vehicle(customer_id)
    # down for 40 days: both callbacks fell due meanwhile; the first pass fires each once
    run_scheduler(later(40))
    fired = {item["rule"] for item in listed(client, customer_id=customer_id, status="due")}
    assert {"delivery_callback_3d", "delivery_callback_1m"} <= fired
    count = len(due_events(events))
    run_scheduler(later(40.1))
    assert len(due_events(events)) == count


def test_a_greeting_is_sent_and_the_next_one_planned_as_it_fires(events, client, customer, run_scheduler, today):
    birthday = (today + timedelta(days=2)).replace(year=1990)
    customer_id = customer(birthday=birthday.isoformat(), quiet_hours=None)
    run_scheduler(later(3), webhook_url=None, local_outbox="false")
    items = listed(client, customer_id=customer_id, rule="birthday")
    fired = [item for item in items if item["fired_at"]]
    assert len(fired) == 1 and not fired[0]["task"]
    # no SMS channel configured here, local outbox off: the reminder is done, and why the SMS did not go is recorded
    assert fired[0]["status"] == "done" and fired[0]["outcome"] == "not_sent"
    notes = client.get(f"/api/v1/reminders/{fired[0]['id']}/notifications", headers=AGENT).get_json()["items"]
    assert [(n["channel"], n["status"], n["skip_reason"]) for n in notes] == [
        ("sms", "skipped", "no sms channel is configured")]
    fired_on = today + timedelta(days=2)
    upcoming = [item["reason"] for item in items if item["status"] == "scheduled"]
    assert upcoming == [f"birthday on {fired_on.replace(year=fired_on.year + 1)}",
                        f"birthday on {fired_on.replace(year=fired_on.year + 2)}"]


def test_greetings_fired_together_each_plan_their_next_and_leave_other_reminders_as_they_were(
        client, customer, vehicle, run_scheduler, today):
    birthday = (today + timedelta(days=1)).replace(year=1988)
    customer_ids = [customer(birthday=birthday.isoformat(), quiet_hours=None) for _ in range(3)]
    for customer_id in customer_ids:
        vehicle(customer_id)  # its delivery callbacks: another rule, planned already

    def scheduled_callbacks(customer_id):
        return {(item["rule"], item["due_at"]) for item in listed(client, customer_id=customer_id, status="scheduled")
                if item["rule"].startswith("delivery_callback")}

    callbacks = {customer_id: scheduled_callbacks(customer_id) for customer_id in customer_ids}
    assert all(len(planned) == 2 for planned in callbacks.values())
    assert run_scheduler(later(2), sms_url="http://127.0.0.1:9/sms")["fired"] == 3  # one batch: the three greetings
    fired_on = today + timedelta(days=1)
    for customer_id in customer_ids:
        greetings = listed(client, customer_id=customer_id, rule="birthday")
        assert [item["reason"] for item in greetings if item["fired_at"]] == [f"birthday on {fired_on}"]
        assert sorted(item["reason"] for item in greetings if item["status"] == "scheduled") == [
            f"birthday on {fired_on.replace(year=fired_on.year + 1)}",
            f"birthday on {fired_on.replace(year=fired_on.year + 2)}"]
        assert scheduled_callbacks(customer_id) == callbacks[customer_id]


def test_consent_and_opt_out_are_respected_and_recorded(events, client, customer, run_scheduler, today):
    birthday = (today + timedelta(days=1)).replace(year=1992)
    consenting = customer(birthday=birthday.isoformat(), quiet_hours=None)
    refusing = customer(birthday=birthday.isoformat(), quiet_hours=None,
                        consent={"sms": False, "phone": True, "email": False})
    opted = customer(birthday=birthday.isoformat(), quiet_hours=None)
    assert client.post("/api/v1/reminders/opt-outs", json={"customer_id": opted, "channel": "sms"},
                       headers=AGENT).status_code == 201
    run_scheduler(later(2), sms_url="http://127.0.0.1:9/sms")
    reasons = {}
    for customer_id in (consenting, refusing, opted):
        [fired] = [item for item in listed(client, customer_id=customer_id, rule="birthday") if item["fired_at"]]
        [note] = client.get(f"/api/v1/reminders/{fired['id']}/notifications", headers=AGENT).get_json()["items"]
        reasons[customer_id] = (note["status"], note["skip_reason"])
    assert reasons == {consenting: ("pending", None), refusing: ("skipped", "no consent to SMS"),
                       opted: ("skipped", "the customer opted out of sms")}


def test_a_rule_switched_off_fires_nothing_and_cancels_what_it_planned(client, customer, vehicle, run_scheduler):
    customer_id = customer()
    vehicle(customer_id)
    response = client.patch("/api/v1/reminders/rules/delivery_callback_3d", json={"enabled": False}, headers=MANAGER)
    assert response.status_code == 200 and response.get_json()["enabled"] is False
    run_scheduler(later(4))
    [callback] = listed(client, customer_id=customer_id, rule="delivery_callback_3d")
    assert callback["status"] == "cancelled" and callback["fired_at"] is None
    assert callback["cancel_reason"] == "rule delivery_callback_3d switched off"
    # switched back on, the scheduler re-plans everyone: the callback is wanted again
    client.patch("/api/v1/reminders/rules/delivery_callback_3d", json={"enabled": True}, headers=MANAGER)
    assert run_scheduler()["replanned"] >= 1
    [again] = listed(client, customer_id=customer_id, rule="delivery_callback_3d")
    assert again["status"] == "scheduled" and again["id"] == callback["id"]


def test_a_new_rule_reaches_existing_customers_through_the_replan(client, customer, vehicle, run_scheduler, today):
    customer_id = customer()
    vehicle(customer_id)
    response = client.post("/api/v1/reminders/rules", headers=MANAGER, json={
        "id": "delivery_callback_7d", "kind": "delivery_callback", "name": "七天回访", "params": {"days": 7}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["params"] == {"days": 7, "months": 0}
    assert listed(client, customer_id=customer_id, rule="delivery_callback_7d") == []
    run_scheduler()
    [seven] = listed(client, customer_id=customer_id, rule="delivery_callback_7d")
    assert seven["reason"].endswith(f"→ due {today + timedelta(days=7)}")


def test_a_snoozed_task_comes_back_when_its_time_comes(client, customer, vehicle, run_scheduler):
    customer_id = customer()
    vehicle(customer_id)
    run_scheduler(later(4))
    [task] = listed(client, customer_id=customer_id, rule="delivery_callback_3d")
    until = later(5).isoformat()
    response = client.post(f"/api/v1/reminders/{task['id']}/snooze", json={"until": until}, headers=AGENT)
    assert response.status_code == 200 and response.get_json()["status"] == "snoozed"
    run_scheduler(later(4.5))
    assert listed(client, customer_id=customer_id, rule="delivery_callback_3d")[0]["status"] == "snoozed"
    assert run_scheduler(later(5.1))["woken"] == 1
    assert listed(client, customer_id=customer_id, rule="delivery_callback_3d")[0]["status"] == "due"


def test_a_missed_appointment_becomes_a_no_show_with_a_follow_up_task(events, client, customer, run_scheduler):
    customer_id = customer()
    scheduled = later(1)
    response = client.post("/api/v1/appointments", headers=AGENT, json={
        "customer_id": customer_id, "purpose": "maintenance", "scheduled_at": scheduled.isoformat()})
    assert response.status_code == 201, response.get_json()
    appointment = response.get_json()
    assert run_scheduler(later(2.9))["no_shows"] == 0  # within the 48 hours after
    assert run_scheduler(later(3.1))["no_shows"] == 1
    after = client.get(f"/api/v1/appointments/{appointment['id']}", headers=AGENT).get_json()
    assert after["status"] == "no_show" and after["follow_up_reminder_id"]
    follow_up = client.get(f"/api/v1/reminders/{after['follow_up_reminder_id']}", headers=AGENT).get_json()
    assert follow_up["status"] == "due" and follow_up["owner"] == "li.si" and follow_up["task"]
    assert follow_up["reason"].startswith("missed the maintenance appointment of")
    types = [event.type for event in events()]
    assert types.count("appointment.no_show.v1") == 1 and "appointment.booked.v1" in types
    assert run_scheduler(later(3.2))["no_shows"] == 0


def test_a_replan_of_everyone_runs_batch_after_batch_without_waiting_between(app, client, customer, sessions):
    import threading
    import time
    from dataclasses import replace

    from reminder.adapters.tables import replans
    from reminder.service_layer.scheduler import Scheduler
    from sqlalchemy import select

    ids = [customer() for _ in range(5)]
    client.patch("/api/v1/reminders/rules/contact_cadence", json={"params": {"months": 2}}, headers=MANAGER)
    settings = replace(app.extensions["reminder_settings"], scheduler_batch=2, scheduler_interval=60)
    stop = threading.Event()
    worker = threading.Thread(target=Scheduler(sessions, settings).run, args=(stop,))
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with sessions() as session:
                if session.execute(select(replans.c.id).where(replans.c.finished_at.is_(None))).first() is None:
                    break
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert time.monotonic() < deadline, "the re-plan waited a whole interval between its batches"
    for customer_id in ids:
        [cadence] = listed(client, customer_id=customer_id, rule="contact_cadence", status="scheduled")
        assert "no contact for 2 months" in cadence["reason"]
