"""Shared helpers for the kit's own tests: a tiny service schema whose handler records what it applied."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest
from kombu import Connection, Queue
from servicekit.db import kit_metadata, make_engine, make_session_factory, unit_of_work
from servicekit.events import Event
from servicekit.outbox import record_event
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.orm import Session

metadata = MetaData()
applied = Table("applied", metadata, Column("n", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36)), Column("subject", String(100)), Column("seq", Integer))


def record_applied(session: Session, event: Event) -> None:
    """A handler: remember which event was applied (once per delivery that reaches it)."""
    session.execute(applied.insert().values(event_id=event.id, subject=event.subject, seq=event.data.get("seq")))


def applied_rows(sessions) -> list:
    """Every (event_id, subject, seq) the handler applied, in order."""
    with unit_of_work(sessions) as session:
        return session.execute(select(applied.c.event_id, applied.c.subject, applied.c.seq)
                               .order_by(applied.c.n)).all()


def write_events(sessions, count: int, subjects: int = 1, start: int = 0) -> list[str]:
    """Commit `count` events (state change + outbox row), spread over `subjects` aggregates."""
    ids = []
    with unit_of_work(sessions) as session:
        for i in range(start, start + count):
            ids.append(record_event(session, "test", "thing.happened.v1", f"agg-{i % subjects}", {"seq": i}).id)
    return ids


@pytest.fixture
def sqlite_sessions(tmp_path):
    """Sessions on a fresh SQLite file holding the kit tables and the test table."""
    engine = make_engine(f"sqlite:///{tmp_path / 'kit.db'}")
    kit_metadata.create_all(engine)
    metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll `predicate` until it is true or `timeout` passes; its last answer, as a bool."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def run_in_thread(target: Callable[[threading.Event], None]) -> tuple[threading.Thread, threading.Event]:
    """Start `target(stop)` in a daemon thread; return the thread and its stop event."""
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    return thread, stop


def _decode(body: bytes | str):
    try:
        return json.loads(body)
    except ValueError:
        return body.decode() if isinstance(body, bytes) else body


def read_queue(connection: Connection, queue: str, wait: float = 0.5) -> list[dict]:
    """Take every message now in `queue` (waiting up to `wait` s for the first); bodies parsed when JSON."""
    bound = Queue(queue, durable=True).bind(connection.default_channel)
    bodies, deadline = [], time.monotonic() + wait
    while True:
        message = bound.get(no_ack=True)
        if message is None:
            if bodies or time.monotonic() > deadline:
                return bodies
            time.sleep(0.05)
            continue
        bodies.append(_decode(message.body))
