""""Booked" means one thing: the reminder service's KPIs and the callbacks report count the same appointments
for the same events (PRODUCT.md 2.3: "a reminder can end in a booked appointment" — appointments booked from a
reminder and not cancelled, counted with the reminder's due date)."""
from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from reporting.entrypoints.runner import MIGRATIONS
from reporting.service_layer import reports
from reporting.service_layer.periods import Period
from reporting.service_layer.projection import apply_event
from reporting_figures import QUEUE
from servicekit.consumer import apply_batch, apply_once
from servicekit.db import make_engine, make_session_factory, outbox
from servicekit.events import Event, parse_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

DOCS = Path(__file__).resolve().parents[4] / "docs" / "events"
AGENT = auth_headers("agent", "li.si")


def example(type_: str) -> dict:
    return copy.deepcopy(json.loads((DOCS / f"{type_}.json").read_text(encoding="utf-8"))["data"])


def customer_events(today: str) -> list[Event]:
    """An owner whose car was delivered today, as the customer service publishes them."""
    customer = {**example("customer.created.v1"), "id": str(uuid.uuid4()), "created_at": datetime.now(UTC).isoformat()}
    asset = example("asset.registered.v1")
    asset["customer_id"] = customer["id"]
    asset["asset"].update(id=str(uuid.uuid4()), customer_id=customer["id"], delivered_on=today, vin=None)
    now = datetime.now(UTC).isoformat()
    return [Event(id=str(uuid.uuid4()), type=type_, source="/guanxi/customer", subject=customer["id"], time=now,
                  data=data) for type_, data in (("customer.created.v1", customer), ("asset.registered.v1", asset))]


def test_the_reminder_kpis_and_the_callbacks_report_count_the_same_bookings(make_settings, migrated_sqlite):
    from reminder.app import create_app
    from reminder.entrypoints.consumer import ARCHIVE_QUEUE
    from reminder.entrypoints.consumer import subscriptions as reminder_subscriptions
    from reminder.entrypoints.runner import MIGRATIONS as REMINDER_MIGRATIONS
    from reminder.service_layer.scheduler import Scheduler

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    reminder = create_app(make_settings("reminder", database_url=migrated_sqlite(REMINDER_MIGRATIONS, "reminder")))
    context = service_context(reminder)
    handler = reminder_subscriptions(reminder.extensions["reminder_settings"])[0].handler
    told = customer_events(today.isoformat())
    for event in told:
        assert apply_once(context.sessions, ARCHIVE_QUEUE, event, handler) == "applied"
    customer_id, asset_id = told[1].data["customer_id"], told[1].data["asset"]["id"]
    Scheduler(context.sessions, reminder.extensions["reminder_settings"],
              clock=lambda: datetime.now(UTC) + timedelta(days=3.5)).run_once()
    client = reminder.test_client()
    [task] = client.get(f"/api/v1/reminders/tasks?customer_id={customer_id}", headers=AGENT).get_json()["items"]

    def book(**body) -> dict:
        when = (datetime.now(UTC) + timedelta(days=5)).isoformat()
        response = client.post("/api/v1/appointments", headers=AGENT, json={
            "customer_id": customer_id, "asset_id": asset_id, "purpose": "maintenance", "scheduled_at": when, **body})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    book(reminder_id=task["id"])  # booked from the task: counts
    called_off = book(reminder_id=task["id"])  # booked from the task, then cancelled: does not
    assert client.post(f"/api/v1/appointments/{called_off['id']}/cancel", headers=AGENT, json={}).status_code == 200
    book()  # booked on the customer's own call, from no reminder: not a reminder's success
    book(purpose="repair")
    start, end = today - timedelta(days=1), today + timedelta(days=30)
    window = f"from={start}T00:00:00%2B08:00&to={end + timedelta(days=1)}T00:00:00%2B08:00"
    kpis = client.get(f"/api/v1/reminders/kpis?by=rule&{window}", headers=AGENT).get_json()["items"]
    with context.engine.connect() as connection:
        published = [parse_event(body) for body in
                     connection.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars()]
    context.engine.dispose()

    engine = make_engine(migrated_sqlite(MIGRATIONS, "reporting"))
    sessions = make_session_factory(engine)
    apply_batch(sessions, [(QUEUE, event, apply_event) for event in told + published])
    with sessions() as session:
        appointments = reports.REPORTS["callbacks"](session, Period(start, end)).data["appointments"]
    engine.dispose()

    assert sum(row["appointments_booked"] for row in kpis) == 1
    assert appointments["booked"] == 1
    assert appointments["all_booked"] == {"booked": 3, "kept": 0, "no_show": 0, "cancelled": 1}
