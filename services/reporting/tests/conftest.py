"""Fixtures of the reporting service's tests."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
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

sys.path.insert(0, str(Path(__file__).parent))  # reporting_events: the event builders the tests share
sys.path.insert(0, str(Path(__file__).parents[3]))  # bench.generate: generated histories

from reporting_figures import QUEUE  # noqa: E402 - found through the path above


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
