"""After customer.erased.v1 nothing in this service's database names the person: not the customer row, nor
the plate in the vehicle's label and the reminders' reasons, nor notification texts and targets, nor the
events kept in the outbox, nor the answers kept for replays of writes."""
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reminder.adapters.channels import senders
from reminder.service_layer.delivery import deliver_due
from servicekit.testing import auth_headers
from servicekit.webapp import service_context

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")
NAME, PHONE, EMAIL, PLATE = "欧阳娜娜", "+8613800138000", "nana@example.cn", "沪Avi123"


def raw_files(app) -> bytes:
    """The bytes of the service's SQLite file and its write-ahead log, free space and old pages included."""
    path = Path(service_context(app).engine.url.database)
    return b"".join(file.read_bytes() for file in path.parent.glob(path.name + "*") if file.is_file())


def dump(app) -> str:
    """Every row of every table of the service's SQLite file, as SQL text."""
    path = service_context(app).engine.url.database
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump())


def test_nothing_personal_survives_erasure(app, client, sessions, customer, vehicle, feed, run_scheduler, receiver,
                                           today):
    hook = receiver()
    assert client.patch("/api/v1/reminders/rules/delivery_callback_3d", json={"channels": ["webhook", "sms"]},
                        headers=MANAGER).status_code == 200
    customer_id = customer(name=NAME, phone=PHONE, email=EMAIL, quiet_hours=None,
                           consent={"sms": True, "phone": True, "email": True})
    vehicle(customer_id, plate=PLATE)
    other = customer(name="别人", phone="+8613900000000")
    vehicle(other, plate="京B00001")
    settings = replace(app.extensions["reminder_settings"], webhook_url=hook.url)
    run_scheduler(datetime.now(UTC) + timedelta(days=3.5), webhook_url=hook.url, sms_url=hook.url,
                  deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment))
    listing = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}", headers=AGENT).get_json()
    task = next(item for item in listing["items"] if item["rule"] == "delivery_callback_3d")
    assert PLATE in task["reason"]
    done = client.post(f"/api/v1/reminders/{task['id']}/complete", headers={**AGENT, "Idempotency-Key": "done-1"},
                       json={"outcome": "reached", "notes": f"{NAME} 说 {PHONE} 白天打"})
    assert done.status_code == 200
    assert PLATE in dump(app) and NAME in dump(app) and NAME.encode() in raw_files(app)

    feed("customer.erased.v1", {"customer_id": customer_id, "erased_at": datetime.now(UTC).isoformat()})
    everything = dump(app)
    for personal in (NAME, PHONE, PHONE[3:], EMAIL, PLATE):
        assert personal not in everything, personal
    assert "京B00001" in everything and "别人" in everything  # someone else's stays
    stored = raw_files(app)
    for personal in (NAME, PHONE, EMAIL, PLATE):
        assert personal.encode() not in stored, personal  # nor in freed space or the log's old pages
    shown = client.get(f"/api/v1/reminders?customer_id={customer_id}", headers=AGENT).get_json()["items"]
    assert shown and all(PLATE not in item["reason"] for item in shown)
    # a vehicle event that comes late brings no plate back
    vehicle(customer_id, plate="沪Avi124")
    assert "沪Avi124" not in dump(app)
