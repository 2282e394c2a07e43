"""Fixtures of the reminder service's tests."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from reminder.app import create_app
from reminder.service import MIGRATIONS
from servicekit.webapp import service_context


@pytest.fixture
def app(make_settings, migrated_sqlite) -> Iterator[Flask]:
    """The reminder app on a fresh SQLite file."""
    application = create_app(make_settings("reminder", database_url=migrated_sqlite(MIGRATIONS, "reminder")))
    yield application
    service_context(application).engine.dispose()


@pytest.fixture
def client(app: Flask):
    """A test client of the app."""
    return app.test_client()
