"""The kit's event path: the relay draining an outbox, and a consumer applying events with its inbox."""
from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime

from kombu import Connection
from servicekit.consumer import Consumer, Subscription
from servicekit.db import inbox, kit_metadata, make_engine, make_session_factory, outbox
from servicekit.events import new_event
from servicekit.relay import Relay
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from servicekit import inbox as inbox_module
from servicekit import metrics, topology

metadata = MetaData()
#: What a typical handler does: one row per event (reporting's read model is of this kind).
applied = Table("applied", metadata, Column("n", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36)), Column("subject", String(100)))


def fill_outbox(sessions, count: int, body_data: dict) -> None:
    """Commit `count` pending events, as services would have written them."""
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        event = new_event("bench", "bench.happened.v1", f"agg-{i % 1000}", {**body_data, "seq": i})
        rows.append({"event_id": event.id, "type": event.type, "subject": event.subject,
                     "body": event.to_json(), "created_at": now})
    with sessions() as session, session.begin():
        for start in range(0, count, 2000):
            session.execute(outbox.insert(), rows[start:start + 2000])


def relay_drain(database_url: str, amqp_url: str, count: int, body_data: dict) -> float:
    """Events per second for one relay publishing a `count`-row outbox (confirmed, persistent)."""
    engine = make_engine(database_url)
    kit_metadata.create_all(engine)
    sessions = make_session_factory(engine)
    fill_outbox(sessions, count, body_data)
    relay = Relay("bench", sessions, lambda: Connection(amqp_url))
    relay.publish_pending()  # connect and warm up outside the clock
    start = time.perf_counter()
    relay.drain()
    elapsed = time.perf_counter() - start
    relay.close()
    with engine.connect() as connection:
        left = connection.execute(select(func.count()).where(outbox.c.published_at.is_(None))).scalar()
    engine.dispose()
    if left:
        raise RuntimeError(f"{left} events left unpublished")
    return (count - relay.batch_size) / elapsed


def consume_apply(database_url: str, amqp_url: str, queue: str, count: int, prefetch: int,
                  handler_writes: bool = True, pipelined: bool = True) -> float:
    """Events per second for a kit consumer applying `count` queued events (inbox on the same database).

    With `handler_writes` the handler adds one row per event, as a read model would; without it the
    figure is the kit's own cost: decode, dedupe in the inbox, commit, ack. Without `pipelined` the
    kit awaits each INSERT on its own, as it did before servicekit.pipelined (the before of that change).
    """
    if not pipelined:
        saved = inbox_module.inserts_pipelined
        inbox_module.inserts_pipelined = lambda session: contextlib.nullcontext()
        try:
            return consume_apply(database_url, amqp_url, queue, count, prefetch, handler_writes)
        finally:
            inbox_module.inserts_pipelined = saved
    engine = make_engine(database_url)
    metadata.create_all(engine)
    engine.dispose()

    def handler(session, event):
        if handler_writes:
            session.execute(applied.insert().values(event_id=event.id, subject=event.subject))

    return consume_rate(database_url, amqp_url, queue, "bench.happened.v1", count, prefetch, handler, timeout=600)


def consume_rate(database_url: str, amqp_url: str, queue: str, routing_key: str, count: int, prefetch: int,
                 handler, timeout: float, beside=None, reader_process: bool = False) -> float:
    """Events per second for the kit's consumer applying `count` events queued on `queue` with `handler` (and
    running `beside` as the subscription's work beside it; the broker read by a process of its own with
    `reader_process`), from when it consumes until it has handled them all (`until_handled`); RuntimeError after
    `timeout` seconds."""
    engine = make_engine(database_url)
    kit_metadata.create_all(engine)
    sessions = make_session_factory(engine)
    consumer = Consumer(sessions, [Subscription(queue, (routing_key,), handler, beside=beside)],
                        lambda: Connection(amqp_url), prefetch=prefetch, reader_process=reader_process)
    stop = threading.Event()
    target = handled(queue) + count
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    # The clock starts once it consumes: a reader process takes a few tenths of a second to start, once in a
    # consumer's life, which would otherwise weigh on a run of a few seconds.
    if not consumer.ready.wait(60):
        raise RuntimeError("the consumer did not start consuming")
    start = time.perf_counter()
    elapsed = until_handled(queue, target, start, timeout)
    stop.set()
    thread.join(10)
    engine.dispose()
    return count / elapsed


def handled(queue: str) -> float:
    """Deliveries of `queue` the consumers of this process have applied or found duplicate, committed (the kit's
    own counter, servicekit.metrics.EVENTS_CONSUMED)."""
    return sum(sample.value for metric in metrics.EVENTS_CONSUMED.collect() for sample in metric.samples
               if sample.name.endswith("_total") and sample.labels["queue"] == queue
               and sample.labels["outcome"] in ("applied", "duplicate"))


def until_handled(queue: str, target: float, start: float, timeout: float) -> float:
    """Seconds from `start` (perf_counter) until this process's consumers have handled `target` deliveries of
    `queue` (`handled`: committed); RuntimeError after `timeout` seconds. It reads a counter in memory every 5 ms,
    which neither the database nor the consumer's threads notice, where counting the inbox took a query."""
    while (done := handled(queue)) < target:
        time.sleep(0.005)
        if time.perf_counter() - start > timeout:
            raise RuntimeError(f"{target - done:.0f} deliveries not applied yet")
    return time.perf_counter() - start


def until_applied(engine, count: int, start: float, timeout: float) -> float:
    """Seconds from `start` (perf_counter) until the inbox on `engine` holds `count` events; RuntimeError after
    `timeout` seconds."""
    done = 0
    while done < count:
        time.sleep(0.02)
        with engine.connect() as connection:
            done = connection.execute(select(func.count()).select_from(inbox)).scalar_one()
        if time.perf_counter() - start > timeout:
            raise RuntimeError(f"only {done} of {count} applied")
    return time.perf_counter() - start


def declare_queue(amqp_url: str, queue: str, routing_key: str) -> None:
    """A bench queue, bound to one event type."""
    with Connection(amqp_url) as connection:
        topology.declare(connection.default_channel, queue, (routing_key,))
