"""Fixtures of the customer service's tests: an app on a fresh database, its client, its events."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from customer.app import create_app
from customer.entrypoints.runner import MIGRATIONS
from customer.entrypoints.subscriptions import USERS_QUEUE
from customer.events import validation_errors
from flask import Flask
from flask.testing import FlaskClient
from servicekit.db import outbox, upgrade
from servicekit.events import Event, parse_event
from servicekit.testing import auth_headers
from servicekit.testing import deliver_user as deliver_gateway_user
from servicekit.webapp import service_context
from sqlalchemy import select

WRITER = auth_headers("agent", "li.si")
#: The staff the tests make owners and deputies: group-wide users, as the gateway's user events make them known.
STAFF = ("li.si", "zhao.liu", "li.na", "zhang.san", "wu.ge", "wang.wu", "wang.fang", "zhou.sa", "leaving", "a", "b",
         "c")


def deliver_user(app: Flask, username: str, **fields: Any) -> str:
    """Apply a user event (servicekit.staff.user_data fields) as the gateway would publish it."""
    return deliver_gateway_user(app, USERS_QUEUE, username, **fields)


def outbox_events(app: Flask) -> list[Event]:
    """Every event the app has written to its outbox, oldest first."""
    with service_context(app).engine.connect() as connection:
        bodies = connection.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars().all()
    return [parse_event(body) for body in bodies]


def assert_events_keep_contract(app: Flask) -> None:
    """Every event emitted validates against the published schema of its type."""
    for event in outbox_events(app):
        assert validation_errors(event.type, event.data) == {}, event.type


def build_app(settings) -> Flask:
    """Migrate the database of `settings` and build the app on it."""
    upgrade(settings.database_url, MIGRATIONS)
    return create_app(settings)


@pytest.fixture
def app(make_settings, migrated_sqlite) -> Iterator[Flask]:
    """The customer app on a fresh SQLite file; at the end its events are checked against the contract."""
    application = create_app(make_settings("customer", database_url=migrated_sqlite(MIGRATIONS, "customer")))
    for username in STAFF:  # known from the gateway's user events, as in a running system
        deliver_user(application, username)
    yield application
    assert_events_keep_contract(application)
    service_context(application).engine.dispose()


@pytest.fixture
def pg_app(make_settings, postgres_database, amqp_url) -> Iterator[Flask]:
    """The customer app on a fresh PostgreSQL database migrated by the real migrations."""
    application = build_app(make_settings("customer", database_url=postgres_database("customer"),
                                          broker_url=amqp_url))
    for username in STAFF:
        deliver_user(application, username)
    yield application
    assert_events_keep_contract(application)
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
def new_customer(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    """Create a customer through the API (defaults overridable) and return it."""
    counter = iter(range(10_000))

    def create(**fields: Any) -> dict[str, Any]:
        body = {"name": "张伟", "phone": f"1390000{next(counter):04d}", "kind": "prospect", **fields}
        response = client.post("/api/v1/customers", json=body, headers=WRITER)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create
