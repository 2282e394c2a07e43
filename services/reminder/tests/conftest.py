"""Fixtures of the reminder service's tests: an app on a fresh database, events fed to its consumer,
its scheduler on a clock the test sets, and the events it wrote (checked against its contract)."""
from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from reminder.app import create_app
from reminder.config import ReminderSettings
from reminder.entrypoints.consumer import ARCHIVE_QUEUE, USERS_QUEUE, subscriptions
from reminder.entrypoints.runner import MIGRATIONS
from reminder.events import validation_errors
from reminder.service_layer.scheduler import Scheduler
from servicekit.consumer import apply_once
from servicekit.db import outbox
from servicekit.events import Event, parse_event
from servicekit.testing import deliver_user as deliver_gateway_user
from servicekit.webapp import service_context
from sqlalchemy import select

DOCS = Path(__file__).resolve().parents[3] / "docs" / "events"
#: The staff the tests act as or give tasks to: group-wide users, as the gateway's user events make them known.
STAFF = ("li.si", "zhou.sa", "boss", "wang.wu", "zhao.liu")


def example(type: str) -> dict[str, Any]:
    """The `data` of the producer's published example of `type` (a fresh copy)."""
    return copy.deepcopy(json.loads((DOCS / f"{type}.json").read_text(encoding="utf-8"))["data"])


def outbox_events(app: Flask) -> list[Event]:
    """Every event the app has written to its outbox, oldest first."""
    with service_context(app).engine.connect() as connection:
        bodies = connection.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars().all()
    return [parse_event(body) for body in bodies]


def deliver_user(app: Flask, username: str, **fields: Any) -> str:
    """Apply a user event (servicekit.staff.user_data fields) as the gateway would publish it."""
    return deliver_gateway_user(app, USERS_QUEUE, username, **fields)


@pytest.fixture
def known_user(app: Flask) -> Callable[..., str]:
    """`known_user(username, stores=[...], active=..., version=...)`: a user event applied to the users copy."""
    return lambda username, **fields: deliver_user(app, username, **fields)


def build_app(settings) -> Flask:
    """Migrate the database of `settings` and build the app on it."""
    from servicekit.db import upgrade

    upgrade(settings.database_url, MIGRATIONS)
    return create_app(settings)


@pytest.fixture
def app(make_settings, migrated_sqlite) -> Iterator[Flask]:
    """The reminder app on a fresh SQLite file; at the end its events are checked against the contract."""
    application = create_app(make_settings("reminder", database_url=migrated_sqlite(MIGRATIONS, "reminder")))
    for username in STAFF:  # known from the gateway's user events, as in a running system
        deliver_user(application, username)
    deliver_user(application, "north.agent", stores=["store-north"])
    yield application
    for event in outbox_events(application):
        assert validation_errors(event.type, event.data) == {}, event.type
    service_context(application).engine.dispose()


@pytest.fixture
def client(app: Flask):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def events(app: Flask) -> Callable[[], list[Event]]:
    """Read the events written so far."""
    return lambda: outbox_events(app)


@pytest.fixture
def sessions(app: Flask):
    """The app's session factory."""
    return service_context(app).sessions


@pytest.fixture
def feed(app: Flask) -> Callable[..., str]:
    """Apply an event (type, data) through the service's consumer handler, once per event id."""
    settings = app.extensions["reminder_settings"]
    handler = subscriptions(settings)[0].handler

    def apply(type: str, data: dict[str, Any], event_id: str | None = None, subject: str | None = None) -> str:
        event = Event(id=event_id or str(uuid.uuid4()), type=type, source="/guanxi/test",
                      subject=subject or data.get("customer_id") or data.get("id") or "x",
                      time=datetime.now(UTC).isoformat(), data=data)
        return apply_once(service_context(app).sessions, ARCHIVE_QUEUE, event, handler)

    return apply


@pytest.fixture
def run_scheduler(app: Flask) -> Callable[..., dict[str, int]]:
    """One scheduler pass at `moment` (now by default), with `deliver` sending notifications if given."""
    def run(moment: datetime | None = None, deliver=None, **settings_changes: Any) -> dict[str, int]:
        settings: ReminderSettings = replace(app.extensions["reminder_settings"], **settings_changes)
        clock = (lambda: moment) if moment else (lambda: datetime.now(UTC))
        scheduler = Scheduler(service_context(app).sessions, settings, deliver=deliver, clock=clock)
        return scheduler.run_once()
    return run


@pytest.fixture
def today() -> date:
    """Today where the business is (Asia/Shanghai)."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def customer(feed, today) -> Callable[..., str]:
    """Register a customer (the published example with fresh ids and the given changes); returns the id."""
    def create(**changes: Any) -> str:
        data = example("customer.created.v1")
        data.update(id=str(uuid.uuid4()), created_at=datetime.now(UTC).isoformat(), **changes)
        assert feed("customer.created.v1", data) == "applied"
        return data["id"]
    return create


@pytest.fixture
def vehicle(feed, today) -> Callable[..., str]:
    """Register a vehicle to a customer, delivered today unless told otherwise; returns its id."""
    def register(customer_id: str, **changes: Any) -> str:
        data = example("asset.registered.v1")
        data["customer_id"] = customer_id
        data["asset"].update({"id": str(uuid.uuid4()), "customer_id": customer_id,
                              "delivered_on": today.isoformat(), "vin": None, **changes})
        assert feed("asset.registered.v1", data) == "applied"
        return data["asset"]["id"]
    return register


@pytest.fixture
def visit(feed) -> Callable[..., str]:
    """Record a visit of a customer (kind, when, asset, odometer); returns its id."""
    def record(customer_id: str, kind: str, occurred_at: datetime, asset_id: str | None = None,
               odometer_km: int | None = None) -> str:
        data = example("visit.done.v1")
        visit_id = str(uuid.uuid4())
        details = {"odometer_km": odometer_km} if odometer_km is not None else {}
        data.update(customer_id=customer_id)
        data["visit"].update(id=visit_id, customer_id=customer_id, kind=kind, occurred_at=occurred_at.isoformat(),
                             asset_id=asset_id, details=details)
        assert feed("visit.done.v1", data) == "applied"
        return visit_id
    return record


@pytest.fixture(name="example")
def example_fixture() -> Callable[[str], dict[str, Any]]:
    """`example(type)`: the data of the producer's published example of `type`, a fresh copy."""
    return example


class Receiver:
    """An HTTP server on localhost that records what is POSTed and answers with the statuses it is given."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers.items()), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """`receiver([500, 200])`: a local HTTP endpoint answering those statuses in turn (then 200)."""
    made: list[Receiver] = []

    def make(statuses: list[int] | None = None) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def smtp_server():
    """A local SMTP server (aiosmtpd) and the inbox of what it received."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    from servicekit.processes import free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()
