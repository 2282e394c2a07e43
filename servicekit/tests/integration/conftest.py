"""Integration fixtures: the kit's tables on a throwaway PostgreSQL database, and broker connections."""
import uuid

import pytest
from kithelpers import metadata
from kombu import Connection
from servicekit.db import kit_metadata, make_engine, make_session_factory


@pytest.fixture
def pg_sessions(postgres_database):
    """Sessions on a fresh PostgreSQL database holding the kit tables and the test table."""
    engine = make_engine(postgres_database("kit"))
    kit_metadata.create_all(engine)
    metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def queue_name():
    """A queue name of this test's own."""
    return f"test.{uuid.uuid4().hex[:10]}"


@pytest.fixture
def broker(amqp_url):
    """A connection to the test vhost, for a test to look at queues with."""
    with Connection(amqp_url) as connection:
        yield connection
