"""A task or reminder says whom to call (name, phone), about which vehicle, why in words, how overdue, and what
to say; appointments say whose they are. Rules carry an editable call script."""
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def test_a_task_says_whom_to_call_about_which_car_why_how_late_and_what_to_say(client, customer, vehicle,
                                                                             run_scheduler, today):
    customer_id = customer(name="马丽", phone="+8613800001111")
    asset_id = vehicle(customer_id, plate="粤B·55555", model="雅阁 2024 款")
    run_scheduler(later(5.5))  # the 3-day callback fell due two and a half days ago
    [task] = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    assert (task["customer_name"], task["customer_phone"]) == ("马丽", "+8613800001111")
    assert task["vehicle"] == {"id": asset_id, "plate": "粤B·55555", "model": "雅阁 2024 款", "label": "粤B·55555"}
    assert task["rule_name"].startswith("三天回访")
    assert task["reason_text"].startswith("三天回访：爱车（粤B·55555）于 " + today.isoformat() + " 交车，3天后回访")
    assert task["days_overdue"] == 0  # fired by a scheduler run ahead of time: not yet due by the clock
    assert task["script"].startswith("您好，请问是马丽吗？") and "粤B·55555" in task["script"]
    one = client.get(f"/api/v1/reminders/{task['id']}", headers=AGENT).get_json()
    assert {name: one[name] for name in task} == task
    # a scheduled one is not overdue, and a notification-only rule has no script
    listing = client.get(f"/api/v1/reminders?customer_id={customer_id}&status=scheduled", headers=AGENT).get_json()
    first = next(item for item in listing["items"] if item["rule"] == "first_maintenance")
    assert first["days_overdue"] == 0 and first["script"] is None
    assert first["reason_text"].startswith("首保提醒：爱车（粤B·55555）") and "3,000 公里" in first["reason_text"]


def test_an_overdue_task_says_how_many_days(client, customer, vehicle, run_scheduler, sessions):
    from reminder.adapters.tables import reminders
    from sqlalchemy import update

    customer_id = customer()
    vehicle(customer_id)
    run_scheduler(later(3.5))
    [task] = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    with sessions.begin() as session:
        # due at 09:00 four days ago on the dealership's calendar (Asia/Shanghai, the default zone)
        shanghai = ZoneInfo("Asia/Shanghai")
        due = datetime.combine(datetime.now(shanghai).date() - timedelta(days=4), time(9), tzinfo=shanghai)
        session.execute(update(reminders).where(reminders.c.id == task["id"]).values(due_at=due.astimezone(UTC)))
    [task] = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}&overdue=true",
                        headers=AGENT).get_json()["items"]
    assert task["days_overdue"] == 4 and task["overdue"] is True


def test_each_kind_of_reminder_has_its_reason_in_chinese(client, customer, vehicle, visit, today):
    customer_id = customer(kind="owner", stage="owner", birthday="1990-05-06")
    vehicle(customer_id, delivered_on=(today - timedelta(days=400)).isoformat(), expires_on=(
        today + timedelta(days=200)).isoformat())
    visit(customer_id, "store", datetime.now(UTC) - timedelta(days=2))
    items = client.get(f"/api/v1/reminders?customer_id={customer_id}&page_size=200", headers=AGENT).get_json()["items"]
    words = {item["rule"]: item["reason_text"] for item in items}
    for rule, start in (("annual_inspection", "年检提醒"), ("insurance_renewal", "车险续保"), ("renewal", "续约提醒"),
                        ("birthday", "生日祝福"), ("vehicle_anniversary", "爱车周年"), ("holiday_greeting", "节日问候"),
                        ("contact_cadence", "定期联系"), ("lost_customer", "流失客户挽回")):
        assert words[rule].startswith(start), (rule, words.get(rule))
    for text in words.values():
        assert "due" not in text and "delivered" not in text  # no internal English


def test_appointments_say_whose_they_are(client, customer, vehicle):
    customer_id = customer(name="马丽")
    asset_id = vehicle(customer_id, plate="粤B·55555", model="雅阁 2024 款")
    booked = client.post("/api/v1/appointments", headers=AGENT, json={
        "customer_id": customer_id, "purpose": "maintenance", "scheduled_at": later(2).isoformat(),
        "asset_id": asset_id})
    assert booked.status_code == 201, booked.get_json()
    assert booked.get_json()["customer_name"] == "马丽" and booked.get_json()["vehicle"]["plate"] == "粤B·55555"
    [item] = client.get(f"/api/v1/appointments?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    assert (item["customer_name"], item["vehicle"]["plate"], item["vehicle"]["model"]) == (
        "马丽", "粤B·55555", "雅阁 2024 款")


def test_lists_stay_one_query_however_long(client, customer, vehicle, app):
    from servicekit.webapp import service_context
    from sqlalchemy import event

    for _ in range(3):
        vehicle(customer())
    engine = service_context(app).engine
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - the statement
    event.listen(engine, "before_cursor_execute", listener)
    try:
        listing = client.get("/api/v1/reminders?page_size=200", headers=AGENT).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert listing["total"] >= 12 and all(item["customer_name"] for item in listing["items"])
    assert len([sql for sql in statements if "FROM reminders" in sql]) == 2  # the count and the page


def test_a_rule_script_is_seeded_edited_and_reset(client):
    rule = client.get("/api/v1/reminders/rules/delivery_callback_1m", headers=AGENT).get_json()
    assert rule["script"].startswith("您好，请问是{name}吗？")
    assert client.get("/api/v1/reminders/rules/birthday", headers=AGENT).get_json()["script"] is None
    changed = client.patch("/api/v1/reminders/rules/delivery_callback_1m", headers=MANAGER,
                           json={"script": "您好{name}，首月回访。"})
    assert changed.status_code == 200 and changed.get_json()["script"] == "您好{name}，首月回访。"
    too_long = client.patch("/api/v1/reminders/rules/delivery_callback_1m", headers=MANAGER,
                            json={"script": "话" * 4001})
    assert too_long.status_code == 422 and "script" in too_long.get_json()["errors"]
    reset = client.post("/api/v1/reminders/rules/delivery_callback_1m/reset", headers=MANAGER).get_json()
    assert reset["script"] == rule["script"]
    added = client.post("/api/v1/reminders/rules", headers=MANAGER, json={
        "id": f"callback_{uuid.uuid4().hex[:6]}", "kind": "delivery_callback", "name": "七天回访",
        "params": {"days": 7}, "script": "您好，七天回访。"})
    assert added.status_code == 201 and added.get_json()["script"] == "您好，七天回访。"
