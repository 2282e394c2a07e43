"""One rebuild, start to end, on whatever database and broker the test gives: the figures must not move."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

import reporting_events as ev
from kombu import Connection
from reporting.adapters.tables import rebuild_backlog, rebuild_state
from reporting.entrypoints.consumer import CONSUMER_PREFETCH, CONSUMER_READER_PROCESS
from reporting.service_layer.projection import apply_event
from reporting.service_layer.rebuild import REBUILD_QUEUE, rebuild
from reporting_figures import QUEUE, figures
from servicekit.consumer import apply_batch
from servicekit.db import kit_metadata, make_engine, make_session_factory, outbox, upgrade
from servicekit.replay import replay
from sqlalchemy import select

from bench.generate import History


def corrections(events: list) -> list:
    """Corrections of some of the history's records: a visit moved, a visit voided, a vehicle corrected and sold."""
    done = [e for e in events if e.type == "visit.done.v1"]
    cars = [e for e in events if e.type == "asset.registered.v1"]
    at = "2026-10-25T02:00:00Z"
    return [ev.corrected(done[0], 2, at, occurred_at="2026-10-24T02:00:00Z"), ev.voided(done[1], at),
            ev.corrected(done[2], 2, at, details={"service_type": "repair"}),
            ev.asset_updated(cars[0], 2, at, model="飞度"), ev.asset_updated(cars[1], 2, at, status="scrapped"),
            ev.asset_voided(cars[2], at)]


def run(reporting_url: str, producer_url: str, connect: Callable[[], Connection]) -> None:
    """Live read model from a generated history; rebuild from the producer's outbox while more events land."""
    from reporting.entrypoints.runner import MIGRATIONS

    upgrade(reporting_url, MIGRATIONS)
    producer = make_engine(producer_url)
    kit_metadata.create_all(producer)
    events = list(History(seed=11, customers=120, visits=400, complaints=40).events())
    events += corrections(events)
    with producer.begin() as connection:  # what the producers published: kept in their outboxes
        connection.execute(outbox.insert(), [{"event_id": e.id, "type": e.type, "subject": e.subject,
                                              "body": e.to_json(), "created_at": datetime.now(UTC),
                                              "published_at": datetime.now(UTC)} for e in events])
    live_engine = make_engine(reporting_url)
    live = make_session_factory(live_engine)
    for start in range(0, len(events), 200):
        apply_batch(live, [(QUEUE, e, apply_event) for e in events[start:start + 200]])
    later = [ev.customer("late-1", "2026-10-20T02:00:00Z", kind="owner", store_id="store-gz-01"),
             ev.visit("late-1", "service", "2026-10-21T02:00:00Z", amount="900.00"),
             ev.merged(events[0].subject, "late-1", "2026-10-22T02:00:00Z")]

    period = (date(2023, 1, 1), date(2026, 10, 31))
    expected: dict = {}

    def while_building() -> None:
        # the live consumer goes on while the copy is built: an event applied before the replay reads
        # the outbox, events the replay never sees (published later), and one the replay brings too
        apply_batch(live, [(QUEUE, later[0], apply_event)])
        assert replay(make_session_factory(producer), connect, "customer", REBUILD_QUEUE, batch_size=150) == len(events)
        apply_batch(live, [(QUEUE, e, apply_event) for e in later[1:]] + [(QUEUE, events[5], apply_event)])
        expected.update(figures(live, *period))

    # consumed as `python -m reporting rebuild` does (on RabbitMQ, the broker read by a process of its own)
    assert rebuild(reporting_url, connect, threading.Event(), ("customer",), prefetch=CONSUMER_PREFETCH,
                   reader_process=CONSUMER_READER_PROCESS, on_ready=while_building)
    rebuilt = figures(live, *period)
    assert expected["customer-flow"]["totals"]["customers"] > 100
    assert expected["complaints"]["totals"]["complaints"] > 10
    assert rebuilt == expected
    with live() as session:  # the rebuild is over: the live consumer keeps no backlog any more
        assert session.execute(select(rebuild_state)).first() is None
        assert session.execute(select(rebuild_backlog)).first() is None
    # the live consumer carries on with the rebuilt model: what it applied already is not applied again
    assert apply_batch(live, [(QUEUE, events[0], apply_event), (QUEUE, later[2], apply_event)]) == ["duplicate"] * 2
    live_engine.dispose()
    producer.dispose()
