"""The rebuild's swap on PostgreSQL while the live consumer applies batches, its folder folds the tallies' changes
and a report reads the read model: nobody deadlocks, nobody fails, and no event is lost or counted twice."""
from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, date, datetime

import pytest
from reporting.adapters.rebuild_copy import RebuildCopy
from reporting.adapters.tables import customers, rebuild_backlog, rebuild_state
from reporting.adapters.tally_reader import totals
from reporting.entrypoints.runner import MIGRATIONS
from reporting.service_layer import tally_folding
from reporting.service_layer.projection import apply_event
from reporting.service_layer.rebuild import swap_in
from reporting_figures import QUEUE, figures
from servicekit.consumer import apply_batch
from servicekit.db import make_engine, make_session_factory, unit_of_work, upgrade
from sqlalchemy import insert, select

from bench.generate import History

pytestmark = pytest.mark.integration
PERIOD = (date(2023, 1, 1), date(2026, 10, 31))


def test_a_swap_under_a_live_consumer_and_a_report_deadlocks_nobody(postgres_database, monkeypatch, caplog):
    url, fresh_url = postgres_database("reporting"), postgres_database("reporting_fresh")
    for database in (url, fresh_url):
        upgrade(database, MIGRATIONS)
    events = list(History(seed=12, customers=150, visits=500, complaints=40).events())
    half = len(events) // 2
    live_engine, fresh_engine = make_engine(url), make_engine(fresh_url)
    live, fresh = make_session_factory(live_engine), make_session_factory(fresh_engine)
    shadow = RebuildCopy(url)
    shadow.create()
    copy = make_session_factory(shadow.translated)
    for start in range(0, half, 200):  # what the live model and the replayed copy both hold already
        batch = [(QUEUE, event, apply_event) for event in events[start:min(start + 200, half)]]
        apply_batch(live, batch)
        apply_batch(copy, batch)
    with unit_of_work(live) as session:  # a rebuild is under way: the live consumer keeps a backlog
        session.execute(insert(rebuild_state).values(id=1, status="building", started_at=datetime.now(UTC)))

    errors: list[BaseException] = []
    reading, swapped = threading.Event(), threading.Event()

    def consumer() -> None:  # the live consumer: a batch every few milliseconds, before, during and after
        try:
            for start in range(half, len(events), 20):
                apply_batch(live, [(QUEUE, event, apply_event) for event in events[start:start + 20]])
                time.sleep(0.01)
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    def report() -> None:  # the value report and a segment's customers: tallies first, then customers
        try:
            with live() as session, session.begin():
                totals(session, "rfm", *PERIOD)
                reading.set()
                time.sleep(0.6)  # the swap now waits for the tallies while holding the customers
                session.execute(select(customers.c.id).limit(50)).all()
            while not swapped.is_set():
                with live() as session, session.begin():
                    totals(session, "rfm", *PERIOD)
                    session.execute(select(customers.c.id).limit(50)).all()
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    monkeypatch.setattr(tally_folding, "FOLD_LIMIT", 200)  # the consumer's folder, in small transactions
    monkeypatch.setattr(tally_folding, "REST", 0.01)
    folding = threading.Event()
    threads = [threading.Thread(target=consumer), threading.Thread(target=report),
               threading.Thread(target=tally_folding.keep_folding, args=(live, folding))]
    for thread in threads:
        thread.start()
    assert reading.wait(10)
    time.sleep(0.05)
    try:
        swap_in(shadow, 0)
    finally:
        swapped.set()
        folding.set()
        for thread in threads:
            thread.join(60)
        shadow.drop()
    assert errors == []
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    for start in range(0, len(events), 200):
        apply_batch(fresh, [(QUEUE, event, apply_event) for event in events[start:start + 200]])
    expected = figures(fresh, *PERIOD)
    assert expected["customer-flow"]["totals"]["customers"] == 150
    assert figures(live, *PERIOD) == expected
    with live() as session:  # the rebuild is over: the live consumer keeps no backlog any more
        assert session.execute(select(rebuild_state)).first() is None
        assert session.execute(select(rebuild_backlog)).first() is None
    live_engine.dispose()
    fresh_engine.dispose()
