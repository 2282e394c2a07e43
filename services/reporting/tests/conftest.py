"""Fixtures of the reporting service's tests."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from reporting.app import create_app
from reporting.service import MIGRATIONS
from servicekit.webapp import service_context


@pytest.fixture
def app(make_settings, migrated_sqlite) -> Iterator[Flask]:
    """The reporting app on a fresh SQLite file."""
    application = create_app(make_settings("reporting", database_url=migrated_sqlite(MIGRATIONS, "reporting")))
    yield application
    service_context(application).engine.dispose()


@pytest.fixture
def client(app: Flask):
    """A test client of the app."""
    return app.test_client()
