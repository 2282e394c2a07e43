"""Fixtures of the reporting service's tests."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from reporting.app import create_app
from reporting.entrypoints.runner import MIGRATIONS
from reporting.service_layer.projection import apply_event
from servicekit.consumer import apply_batch
from servicekit.db import make_engine, make_session_factory
from servicekit.events import Event
from servicekit.webapp import service_context
from sqlalchemy.orm import Session, sessionmaker

QUEUE = "reporting.read_model"
sys.path.insert(0, str(Path(__file__).parent))  # reporting_events: the event builders the tests share
sys.path.insert(0, str(Path(__file__).parents[3]))  # bench.generate: generated histories


@pytest.fixture
def database_url(migrated_sqlite) -> str:
    """A fresh, migrated SQLite read model."""
    return migrated_sqlite(MIGRATIONS, "reporting")


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the read model."""
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def apply(sessions) -> Callable[[Iterable[Event]], list[str]]:
    """Apply events as the consumer does (one transaction per call, each event once)."""
    def run(events: Iterable[Event]) -> list[str]:
        return apply_batch(sessions, [(QUEUE, event, apply_event) for event in events])
    return run


def figures(sessions: sessionmaker[Session], start: date, end: date, store: str | None = None) -> dict:
    """Every report's data over a period, without the wall-clock time of the last apply."""
    from reporting.service_layer import reports
    from reporting.service_layer.periods import Period

    result = {}
    with sessions() as session:
        for name, build in reports.REPORTS.items():
            data = build(session, Period(start, end, None if store is None else (store,))).data
            data["freshness"] = {**data["freshness"], "last_applied_at": None}
            result[name] = data
    return result


@pytest.fixture
def app(make_settings, database_url) -> Iterator[Flask]:
    """The reporting app on the same read model."""
    application = create_app(make_settings("reporting", database_url=database_url))
    yield application
    service_context(application).engine.dispose()


@pytest.fixture
def client(app: Flask):
    """A test client of the app."""
    return app.test_client()
