"""A pooled PostgreSQL connection is checked on checkout only after it sat idle (servicekit.db.PING_IDLE_AFTER):
one that died while idle is replaced unseen, one that died in steady use fails its next statement as a
transient failure, which the request, consumer and loop retries ride out."""
import time

import psycopg
import pytest
from servicekit.db import make_engine
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from servicekit import db, db_outages

pytestmark = pytest.mark.integration


def terminate(database_url: str, pid: int) -> None:
    admin_url = database_url.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def backend(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_that_died_while_idle_is_replaced_before_it_is_used(postgres_database, monkeypatch):
    monkeypatch.setattr(db, "PING_IDLE_AFTER", 0.2)
    url = postgres_database("idle_ping")
    engine = make_engine(url, pool_size=1)
    first = backend(engine)
    terminate(url, first)
    time.sleep(0.3)
    assert backend(engine) != first  # no error reached the work: the dead connection was replaced on checkout
    engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_its_loss_is_a_transient_failure(postgres_database,
                                                                                       monkeypatch):
    monkeypatch.setattr(db, "PING_IDLE_AFTER", 60)
    url = postgres_database("idle_ping")
    engine = make_engine(url, pool_size=1)
    first = backend(engine)
    terminate(url, first)
    with pytest.raises(DBAPIError) as lost:
        backend(engine)
    assert db_outages.transient(lost.value)  # so a request or an event is run again, not answered 500
    assert backend(engine) != first  # and the pool has replaced it
    engine.dispose()
