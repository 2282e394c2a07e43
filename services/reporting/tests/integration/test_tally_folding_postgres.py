"""The tallies' changes on PostgreSQL: appended by the consumer, folded into the tallies in the background.

Reports read the same figures as the SQLite read model (where each transaction adds to the tallies itself)
before any folding, halfway through and after it; two folders at once, beside a consumer, move each change
exactly once; the consumer process's folder goes on after the database was away; /metrics tells how many
changes wait.
"""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from reporting.adapters.rebuild_copy import SCHEMA as REBUILD_SCHEMA
from reporting.adapters.rebuild_copy import RebuildCopy
from reporting.adapters.tables import tallies, tally_changes
from reporting.app import create_app
from reporting.entrypoints.consumer import subscriptions
from reporting.entrypoints.runner import MIGRATIONS
from reporting.service_layer import tally_folding
from reporting.service_layer.projection import apply_event
from reporting.service_layer.tally_folding import fold_all, fold_some, keep_folding
from reporting_figures import QUEUE, figures
from servicekit.consumer import apply_batch
from servicekit.db import make_engine, make_session_factory, unit_of_work, upgrade
from servicekit.webapp import service_context
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bench.generate import STORES, History

pytestmark = pytest.mark.integration
PERIODS = [(date(2023, 1, 1), date(2026, 10, 31)), (date(2025, 11, 1), date(2026, 10, 31)),
           (date(2026, 3, 15), date(2026, 6, 2))]


@pytest.fixture
def events() -> list:
    return list(History(seed=21, customers=200, visits=700, complaints=50).events())


@pytest.fixture
def postgres_url(postgres_database) -> str:
    url = postgres_database("reporting_folding")
    upgrade(url, MIGRATIONS)
    return url


@pytest.fixture
def postgres(postgres_url):
    engine = make_engine(postgres_url)
    yield make_session_factory(engine)
    engine.dispose()


def _apply(sessions, events, batch: int = 150) -> None:
    for start in range(0, len(events), batch):
        apply_batch(sessions, [(QUEUE, event, apply_event) for event in events[start:start + batch]])


def _count(sessions, table) -> int:
    with unit_of_work(sessions) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def _every_figure(sessions) -> list[dict]:
    return [figures(sessions, start, end) for start, end in PERIODS] + [figures(sessions, *PERIODS[1], STORES[1])]


def test_reports_read_the_same_figures_before_during_and_after_folding(events, postgres, sessions):
    _apply(sessions, events)  # SQLite: each transaction adds to the tallies itself
    _apply(postgres, events)
    expected = _every_figure(sessions)
    assert expected[0]["customer-flow"]["totals"]["customers"] == 200
    assert expected[0]["complaints"]["totals"]["complaints"] > 20
    changes = _count(postgres, tally_changes)
    assert changes > 1000 and _count(postgres, tallies) == 0  # nothing folded yet: read from the changes alone
    assert _every_figure(postgres) == expected
    assert fold_some(postgres, limit=changes // 2) == changes // 2  # half folded: read from both
    assert _every_figure(postgres) == expected
    assert fold_all(postgres) == changes - changes // 2
    assert _count(postgres, tally_changes) == 0 and _count(postgres, tallies) > changes
    assert _every_figure(postgres) == expected


def test_a_database_with_a_chinese_collation_reads_the_same_figures(events, postgres_database, sessions):
    # a dealership's database may well be made for Chinese text; the tallies' keys compare in byte order there
    chinese = postgres_database("reporting_zh", icu_locale="zh-Hans-CN")
    upgrade(chinese, MIGRATIONS)
    engine = make_engine(chinese)
    postgres = make_session_factory(engine)
    _apply(sessions, events)
    _apply(postgres, events)
    fold_all(postgres)
    assert _every_figure(postgres) == _every_figure(sessions)
    copy = RebuildCopy(chinese)
    copy.create()  # a rebuild's tables, made from the code's
    with engine.connect() as connection:
        collations = connection.execute(text(
            "SELECT table_schema, table_name, column_name, collation_name FROM information_schema.columns"
            " WHERE table_name IN ('tallies', 'tally_changes') AND data_type = 'character varying'")).all()
    copy.drop()
    engine.dispose()
    assert {schema for schema, *_ in collations} == {"public", REBUILD_SCHEMA}
    assert {(table, column, collation) for _, table, column, collation in collations
            if collation != "C"} == set()


def test_two_folders_beside_a_consumer_move_each_change_once(events, postgres, sessions, monkeypatch):
    _apply(sessions, events)
    half = len(events) // 2
    _apply(postgres, events[:half])
    monkeypatch.setattr(tally_folding, "FOLD_LIMIT", 300)  # many small transactions, overlapping
    monkeypatch.setattr(tally_folding, "REST", 0.01)
    stop, errors = threading.Event(), []

    def folder() -> None:  # as keep_folding, but a failure fails the test
        try:
            while not stop.is_set():
                if fold_some(postgres) == 0:
                    stop.wait(0.01)
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    folders = [threading.Thread(target=folder) for _ in range(2)]
    for thread in folders:
        thread.start()
    try:
        _apply(postgres, events[half:], batch=40)  # the consumer goes on meanwhile
    finally:
        stop.set()
        for thread in folders:
            thread.join(30)
    assert errors == []
    fold_all(postgres)
    assert _count(postgres, tally_changes) == 0
    assert _every_figure(postgres) == _every_figure(sessions)


def test_the_consumers_folder_goes_on_after_the_database_was_away(events, postgres, monkeypatch):
    assert subscriptions()[0].beside is keep_folding  # what `python -m reporting consume` runs beside applying
    _apply(postgres, events[:300])
    monkeypatch.setattr(tally_folding, "REST", 0.01)
    away = {"left": 2}

    def sessions():  # the database refuses the first two connections, then answers again
        if away["left"]:
            away["left"] -= 1
            raise OperationalError("connect", {}, ConnectionRefusedError("the database is away"))
        return postgres()

    stop = threading.Event()
    thread = threading.Thread(target=keep_folding, args=(sessions, stop))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while _count(postgres, tally_changes) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert away["left"] == 0
    assert _count(postgres, tally_changes) == 0 and _count(postgres, tallies) > 0


def test_metrics_tell_how_many_changes_wait_to_be_folded(events, postgres, postgres_url, make_settings):
    app = create_app(make_settings("reporting", database_url=postgres_url))
    client = app.test_client()

    def waiting() -> float:
        lines = client.get("/metrics").get_data(as_text=True).splitlines()
        return float(next(line.split()[-1] for line in lines if line.startswith("reporting_tally_changes_waiting ")))

    assert waiting() == 0
    _apply(postgres, events[:300])
    changes = _count(postgres, tally_changes)
    assert changes > 0 and waiting() == changes
    fold_all(postgres)
    assert waiting() == 0
    service_context(app).engine.dispose()


def _until(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_folder_waits_while_the_consumer_is_behind_unless_too_many_changes_wait(events, sessions, postgres,
                                                                                   monkeypatch):
    """A backlog is applied first: the changes wait, the reports' figures exact meanwhile; past DEFERRED_UP_TO
    changes the folder folds anyway, and it folds everything once the consumer has caught up."""
    _apply(sessions, events)
    _apply(postgres, events)
    changes = _count(postgres, tally_changes)
    monkeypatch.setattr(tally_folding, "REST", 0.01)
    stop, behind = threading.Event(), threading.Event()
    behind.set()
    thread = threading.Thread(target=keep_folding, args=(postgres, stop, behind))
    thread.start()
    try:
        time.sleep(0.5)
        assert _count(postgres, tally_changes) == changes  # nothing folded while the consumer is behind
        assert _every_figure(postgres) == _every_figure(sessions)
        monkeypatch.setattr(tally_folding, "DEFERRED_UP_TO", changes // 2)
        assert _until(lambda: _count(postgres, tally_changes) < changes // 2 + tally_folding.FOLD_LIMIT)
        assert _count(postgres, tally_changes) > 0  # only down to about DEFERRED_UP_TO while still behind
        behind.clear()
        assert _until(lambda: _count(postgres, tally_changes) == 0)
    finally:
        stop.set()
        thread.join(10)
    assert _every_figure(postgres) == _every_figure(sessions)
