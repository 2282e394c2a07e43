"""Fixtures of the complaint service's tests: an app on a fresh database, known customers, its events."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from complaint.app import create_app
from complaint.entrypoints.consumer import QUEUE, USERS_QUEUE, apply_customer_event
from complaint.entrypoints.runner import MIGRATIONS
from complaint.events import validation_errors
from flask import Flask
from flask.testing import FlaskClient
from servicekit.consumer import apply_once
from servicekit.db import outbox
from servicekit.events import Event, new_event, parse_event
from servicekit.testing import auth_headers
from servicekit.testing import deliver_user as deliver_gateway_user
from servicekit.webapp import service_context
from sqlalchemy import select

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "wang.manager")
VIEWER = auth_headers("viewer", "zhou.view")
#: The staff the tests assign complaints to: group-wide users, as the gateway's user events make them known.
STAFF = ("zhao.liu", "sun.qi", "wu.sa", "zhou.sa", "li.si", "wang.manager")


def outbox_events(app: Flask) -> list[Event]:
    """Every event the app has written to its outbox, oldest first."""
    with service_context(app).engine.connect() as connection:
        bodies = connection.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars().all()
    return [parse_event(body) for body in bodies]


def customer_event(type: str, subject: str, **data: Any) -> Event:
    """A customer.* event as the customer service would publish it."""
    return new_event("customer", type, subject, data)


def deliver(app: Flask, event: Event) -> str:
    """Apply `event` through the consumer's handler, once per event id (as the consumer does)."""
    return apply_once(service_context(app).sessions, QUEUE, event, apply_customer_event)


def deliver_user(app: Flask, username: str, **fields: Any) -> str:
    """Apply a user event (servicekit.staff.user_data fields) as the gateway would publish it."""
    return deliver_gateway_user(app, USERS_QUEUE, username, **fields)


@pytest.fixture
def app(make_settings, migrated_sqlite) -> Iterator[Flask]:
    """The complaint app on a fresh SQLite file; at the end its events are checked against the contract."""
    application = create_app(make_settings("complaint", database_url=migrated_sqlite(MIGRATIONS, "complaint")))
    for username in STAFF:  # known from the gateway's user events, as in a running system
        deliver_user(application, username)
    yield application
    for event in outbox_events(application):
        assert validation_errors(event.type, event.data) == {}, event.type
    service_context(application).engine.dispose()


@pytest.fixture
def known_user(app: Flask) -> Callable[..., str]:
    """`known_user(username, stores=[...], active=..., version=...)`: a user event applied to the users copy."""
    return lambda username, **fields: deliver_user(app, username, **fields)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def events(app: Flask) -> Callable[[], list[Event]]:
    """Read the events written so far."""
    return lambda: outbox_events(app)


@pytest.fixture
def known_customer(app: Flask) -> Callable[..., str]:
    """Make the service know a customer (a customer.created.v1 delivered); returns its id."""

    def make(**fields: Any) -> str:
        customer_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat()
        fields = {"name": "张伟", **fields}
        deliver(app, customer_event("customer.created.v1", customer_id, id=customer_id, version=1,
                                    phone="+8613900000000", created_at=now, updated_at=now, **fields))
        return customer_id

    return make


@pytest.fixture
def file(client: FlaskClient, known_customer) -> Callable[..., dict[str, Any]]:
    """File a complaint through the API (defaults overridable) and return it."""

    def make(**fields: Any) -> dict[str, Any]:
        body = {"customer_id": fields.pop("customer_id", None) or known_customer(), "channel": "phone",
                "category": "service", "severity": "normal", "description": "保养等了三个小时", **fields}
        response = client.post("/api/v1/complaints", json=body, headers=AGENT)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make
