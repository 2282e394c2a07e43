"""The benchmark's bulk loader (bench.readmodel) leaves the read model that applying the events would."""
from __future__ import annotations

from datetime import date

import pytest
from reporting.service_layer import reports
from reporting.service_layer.periods import Period
from reporting_figures import figures
from servicekit.db import make_engine, make_session_factory

from bench.generate import STORES, History
from bench.readmodel import load

PERIODS = [(date(2023, 1, 1), date(2026, 10, 31)), (date(2025, 11, 1), date(2026, 10, 31)),
           (date(2026, 3, 15), date(2026, 6, 2))]


@pytest.fixture
def history() -> History:
    return History(seed=4, customers=300, visits=1200, complaints=80)


def test_bulk_loaded_reports_equal_the_applied_ones(history, apply, sessions, tmp_path):
    events = list(history.events())
    for start in range(0, len(events), 250):  # as the consumer does: batches of events, in the published order
        apply(events[start:start + 250])
    bulk_url = f"sqlite:///{tmp_path / 'bulk.db'}"
    loaded = load(bulk_url, history, chunk=500)  # several chunks
    assert loaded["events"] == len(events)
    assert loaded["rows"]["customers"] == 300
    bulk_engine = make_engine(bulk_url)
    bulk = make_session_factory(bulk_engine)
    applied_figures = figures(sessions, *PERIODS[0])
    assert applied_figures["complaints"]["totals"]["complaints"] > 20
    assert applied_figures["value"]["totals"]["customers"] > 200
    for start, end in PERIODS:
        assert figures(bulk, start, end) == figures(sessions, start, end)
    assert figures(bulk, *PERIODS[1], store=STORES[1]) == figures(sessions, *PERIODS[1], store=STORES[1])
    period = Period(*PERIODS[1])
    for segment in ("loyal", "lost"):
        with bulk() as left, sessions() as right:
            assert reports.segment_customers(left, period, segment, 1, 50) == \
                reports.segment_customers(right, period, segment, 1, 50)
    bulk_engine.dispose()


def test_the_bulk_loader_refuses_a_history_it_cannot_compute_in_memory(database_url, tmp_path):
    import reporting_events as ev

    from bench.readmodel import load_groups

    # a merge reads other customers' records from the database: not something the loader can do alone
    with pytest.raises(RuntimeError, match="wanted the database"):
        load_groups(f"sqlite:///{tmp_path / 'bulk.db'}",
                    [[ev.customer("c1", "2026-10-01T02:00:00Z"), ev.customer("c2", "2026-10-01T02:00:00Z"),
                      ev.merged("c1", "c2", "2026-10-02T02:00:00Z")]])
