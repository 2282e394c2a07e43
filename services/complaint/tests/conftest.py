"""Fixtures of the complaint service's tests."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from complaint.app import create_app
from complaint.service import MIGRATIONS
from flask import Flask
from servicekit.webapp import service_context


@pytest.fixture
def app(make_settings, migrated_sqlite) -> Iterator[Flask]:
    """The complaint app on a fresh SQLite file."""
    application = create_app(make_settings("complaint", database_url=migrated_sqlite(MIGRATIONS, "complaint")))
    yield application
    service_context(application).engine.dispose()


@pytest.fixture
def client(app: Flask):
    """A test client of the app."""
    return app.test_client()
