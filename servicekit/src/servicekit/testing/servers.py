"""The real servers for a test run: throwaway PostgreSQL databases and RabbitMQ vhosts, a PostgreSQL server of
a test's own, and another service standing in as the events it publishes.

The real servers are required: when they cannot be reached the run fails loudly, it never skips.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from servicekit.private_postgres import PrivatePostgres

if TYPE_CHECKING:
    from servicekit.events import Event

PG_ADMIN_URL = os.environ.get("CRM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE_URL = os.environ.get("CRM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
RUN_ID = uuid.uuid4().hex[:8]


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


class ThrowawayDatabases:
    """Creates PostgreSQL databases named for this run and drops them all at the end; `icu_locale`: the one
    each is collated in unless `create` names another (by default the server's)."""

    def __init__(self, admin_url: str = PG_ADMIN_URL, icu_locale: str | None = None) -> None:
        import psycopg

        self.admin_url, self.icu_locale = admin_url, icu_locale
        self.admin = psycopg.connect(_psycopg_url(admin_url), autocommit=True, connect_timeout=5)
        self.created: list[str] = []

    def create(self, name: str, icu_locale: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL. `icu_locale` ("zh-Hans-CN"): its collation is
        that ICU locale's, as a database made for Chinese text may be, instead of the server's default."""
        database = f"guanxi_test_{RUN_ID}_{name}_{len(self.created)}"
        icu_locale = icu_locale or self.icu_locale
        locale = f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'" if icu_locale else ""
        self.admin.execute(f'CREATE DATABASE "{database}"{locale}')
        self.created.append(database)
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{database}".replace("postgresql://", "postgresql+psycopg://")

    def drop(self, url: str) -> None:
        """Drop the database at `url` (one this object created) now, e.g. so that nothing, autovacuum included,
        works on it any longer."""
        database = url.rsplit("/", 1)[1]
        if database in self.created:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def drop_all(self) -> None:
        """Drop every database this object created."""
        for database in self.created:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.admin.close()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own (servicekit.private_postgres), for a test that restarts it."""
    try:
        server = PrivatePostgres().start()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        pytest.fail(f"could not start a private PostgreSQL server: {detail}", pytrace=False)
    yield server
    server.remove()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str], str]]:
    """A factory: `postgres_database("customer")` creates a fresh database and returns its URL."""
    import psycopg

    try:
        databases = ThrowawayDatabases()
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}", pytrace=False)
    yield databases.create
    databases.drop_all()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def broker_reachable(base_url: str = AMQP_BASE_URL) -> str | None:
    """None when the broker's port answers, else the reason it does not."""
    host = base_url.split("@")[-1].split("/")[0]
    hostname, _, port = host.partition(":")
    try:
        socket.create_connection((hostname, int(port or 5672)), timeout=5).close()
    except OSError as exc:
        return f"RabbitMQ is not reachable at {host}: {exc}"
    return None


@contextlib.contextmanager
def throwaway_vhost(label: str = "test") -> Iterator[str]:
    """A RabbitMQ vhost of its own for the block, as an AMQP URL; deleted afterwards."""
    vhost = f"guanxi-{label}-{RUN_ID}-{uuid.uuid4().hex[:4]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"{AMQP_BASE_URL.rstrip('/')}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """A throwaway RabbitMQ vhost for this test run, as an AMQP URL."""
    problem = broker_reachable()
    if problem:
        pytest.fail(problem, pytrace=False)
    with throwaway_vhost() as url:
        yield url


class StandIn:
    """Another service as the events it publishes, for a test that must not import that service: an outbox
    of its own in a fresh PostgreSQL database and the kit's Relay, which publishes what `publish` writes
    there to the broker as that service would (start `relay.run` in a thread, as the service's relay runs)."""

    def __init__(self, service: str, database_url: str, amqp_url: str) -> None:
        from kombu import Connection

        from servicekit.db import kit_metadata, make_engine, make_session_factory
        from servicekit.relay import Relay

        self.service = service
        self.engine = make_engine(database_url)
        kit_metadata.create_all(self.engine)
        self.sessions = make_session_factory(self.engine)
        self.relay = Relay(service, self.sessions, lambda: Connection(amqp_url), poll_interval=0.05)

    def publish(self, type: str, subject: str, data: dict[str, Any]) -> Event:
        """Write one event to the outbox, committed: the relay publishes it."""
        from servicekit.db import unit_of_work
        from servicekit.outbox import record_event

        with unit_of_work(self.sessions) as session:
            return record_event(session, self.service, type, subject, data)

    def close(self) -> None:
        """Close the relay's connection and the database's."""
        self.relay.close()
        self.engine.dispose()


@pytest.fixture
def stand_in(postgres_database, amqp_url) -> Iterator[Callable[[str], StandIn]]:
    """A factory: `stand_in("customer")` publishes customer events through the broker (see StandIn)."""
    made: list[StandIn] = []

    def make(service: str) -> StandIn:
        made.append(StandIn(service, postgres_database(f"{service}_stand_in"), amqp_url))
        return made[-1]

    yield make
    for publisher in made:
        publisher.close()
