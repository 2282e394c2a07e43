"""The delivery guarantees, against the real RabbitMQ and PostgreSQL: nothing lost, nothing applied twice."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from kithelpers import applied_rows, read_queue, record_applied, run_in_thread, wait_for, write_events
from kombu import Connection
from servicekit.bus import Outgoing, Publisher
from servicekit.consumer import Consumer, Subscription
from servicekit.db import outbox, unit_of_work
from servicekit.events import new_event
from servicekit.relay import Relay
from servicekit.testing import TcpProxy
from sqlalchemy import func, select

from servicekit import metrics, topology

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


def via(url: str, port: int) -> str:
    """The same AMQP URL, through a local port (a proxy we can cut)."""
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0]
    return urlunsplit((parts.scheme, f"{credentials}@127.0.0.1:{port}", parts.path, "", ""))


def bind_test_queue(broker, queue, keys=("thing.#",)):
    topology.declare(broker.default_channel, queue, keys)


@pytest.fixture(params=[False, True], ids=["reading thread", "reader process"])
def reader_process(request) -> bool:
    """Both ways the kit's consumer reads the broker: in a thread, or in a process of its own."""
    return request.param


def reader_processes() -> list[str]:
    """This process's children that read the broker for a consumer (servicekit.reader_process)."""
    children = [pid for task in Path(f"/proc/{os.getpid()}/task").iterdir()
                for pid in (task / "children").read_text().split()]
    return [pid for pid in children if b"servicekit.reader_process" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def consumer_for(amqp_url, sessions, queue, handler=record_applied, **kwargs):
    kwargs.setdefault("retry_delay", 0.2)
    return Consumer(sessions, [Subscription(queue, ("thing.#",), handler)], lambda: Connection(amqp_url, heartbeat=10),
                    **kwargs)


def pending(sessions) -> int:
    with unit_of_work(sessions) as session:
        return session.execute(select(func.count()).where(outbox.c.published_at.is_(None))).scalar()


def test_events_written_while_the_broker_is_down_are_published_once_it_is_back(amqp_url, broker, pg_sessions,
                                                                             queue_name):
    bind_test_queue(broker, queue_name)
    proxy = TcpProxy("127.0.0.1", urlsplit(amqp_url).port or 5672)
    relay = Relay("test", pg_sessions, lambda: Connection(via(amqp_url, proxy.port)), batch_size=50,
                  poll_interval=0.05, max_backoff=0.5)
    thread, stop = run_in_thread(relay.run)
    try:
        before = write_events(pg_sessions, 100, subjects=10)
        assert wait_for(lambda: pending(pg_sessions) == 0)
        proxy.cut()
        during = []
        for start in range(100, 300, 20):  # writes go on while the broker is unreachable
            during += write_events(pg_sessions, 20, subjects=10, start=start)
            time.sleep(0.05)
        time.sleep(1)
        assert pending(pg_sessions) > 0, "nothing can be published while the broker is down"
        proxy.restore()
        assert wait_for(lambda: pending(pg_sessions) == 0), "the backlog drains once the broker is back"
    finally:
        stop.set()
        thread.join(10)
        proxy.close()
    received = [body["id"] for body in read_queue(broker, queue_name, wait=2)]
    assert set(received) == set(before + during), "no event lost"


def test_per_aggregate_order_and_no_double_publish_with_two_relays(amqp_url, broker, pg_sessions, queue_name):
    bind_test_queue(broker, queue_name)
    write_events(pg_sessions, 3000, subjects=7)
    relays = [Relay("test", pg_sessions, lambda: Connection(amqp_url), batch_size=100, poll_interval=0.01)
              for _ in range(2)]
    running = [run_in_thread(relay.run) for relay in relays]
    try:
        assert wait_for(lambda: pending(pg_sessions) == 0, timeout=60)
    finally:
        for thread, stop in running:
            stop.set()
            thread.join(10)
    bodies = read_queue(broker, queue_name, wait=2)
    assert len(bodies) == 3000, "each event published exactly once"
    by_subject = {}
    for body in bodies:
        by_subject.setdefault(body["subject"], []).append(body["data"]["seq"])
    for seqs in by_subject.values():
        assert seqs == sorted(seqs), "events of one aggregate arrive in the order they were written"


def test_an_event_delivered_twice_is_applied_once(amqp_url, broker, pg_sessions, queue_name, reader_process):
    consumer = consumer_for(amqp_url, pg_sessions, queue_name, reader_process=reader_process)
    thread, stop = run_in_thread(consumer.run)
    assert consumer.ready.wait(10)
    assert bool(reader_processes()) == reader_process
    event = new_event("test", "thing.happened.v1", "agg-1", {"seq": 1})
    before = metrics.EVENTS_DUPLICATES.labels(queue_name)._value.get()
    Publisher(broker).publish([Outgoing(topology.EVENTS.name, event.type, event.to_json(), event.id)] * 2)
    try:
        assert wait_for(lambda: metrics.EVENTS_DUPLICATES.labels(queue_name)._value.get() == before + 1)
    finally:
        stop.set()
        thread.join(10)
    assert [row.event_id for row in applied_rows(pg_sessions)] == [event.id]
    assert reader_processes() == [], "a stopped consumer leaves no reader behind"


def test_a_reader_process_that_dies_is_started_again_and_nothing_is_lost(amqp_url, broker, pg_sessions, queue_name):
    consumer = consumer_for(amqp_url, pg_sessions, queue_name, reader_process=True)
    thread, stop = run_in_thread(consumer.run)
    publisher = Publisher(broker)
    events = [new_event("test", "thing.happened.v1", "agg-1", {"seq": seq}) for seq in (1, 2)]
    try:
        assert consumer.ready.wait(10)
        publisher.publish([Outgoing(topology.EVENTS.name, events[0].type, events[0].to_json(), events[0].id)])
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 1)
        [first] = reader_processes()
        os.kill(int(first), signal.SIGKILL)
        publisher.publish([Outgoing(topology.EVENTS.name, events[1].type, events[1].to_json(), events[1].id)])
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 2, timeout=20)
        assert reader_processes() not in ([], [first]), "another reader took its place"
    finally:
        stop.set()
        thread.join(10)
    assert [row.seq for row in applied_rows(pg_sessions)] == [1, 2]


def test_a_poison_message_is_dead_lettered_while_the_next_ones_still_flow(amqp_url, broker, pg_sessions, queue_name,
                                                                          reader_process):
    def refuses_seq_0(session, event):
        if event.data["seq"] == 0:
            raise ValueError("this event can never be applied")
        record_applied(session, event)

    consumer = consumer_for(amqp_url, pg_sessions, queue_name, refuses_seq_0, max_retries=2, retry_delay=0.5,
                            reader_process=reader_process)
    thread, stop = run_in_thread(consumer.run)
    assert consumer.ready.wait(10)
    poison, *rest = [new_event("test", "thing.happened.v1", f"agg-{i}", {"seq": i}) for i in range(6)]
    publisher = Publisher(broker)
    publisher.publish([Outgoing(topology.EVENTS.name, e.type, e.to_json(), e.id) for e in [poison, *rest]])
    try:
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 5, timeout=5), "the queue is not blocked"
        dead = []
        assert wait_for(lambda: dead.extend(read_queue(broker, topology.dead_letter_queue_name(queue_name), 0))
                        or dead, timeout=20)
    finally:
        stop.set()
        thread.join(10)
    assert [body["id"] for body in dead] == [poison.id]
    assert {row.event_id for row in applied_rows(pg_sessions)} == {e.id for e in rest}


def test_dead_letters_put_back_once_the_handler_is_mended_are_applied_with_their_tries_afresh(
        amqp_url, broker, pg_sessions, queue_name):
    """`python -m servicekit.queues requeue`: what `<queue>.dlq` holds goes back on the queue, its tries counted
    from 0 again (the mended handler fails once more, as after a restart, and still applies it)."""
    failures = {"left": 1, "mended": False}

    def fails_until_mended(session, event):
        if event.data["seq"] == 0 and (not failures["mended"] or failures["left"] > 0):
            failures["left"] -= failures["mended"]
            raise ValueError("cannot apply this yet")
        record_applied(session, event)

    consumer = consumer_for(amqp_url, pg_sessions, queue_name, fails_until_mended, max_retries=1, retry_delay=0.2)
    thread, stop = run_in_thread(consumer.run)
    dead_letters = topology.dead_letter_queue_name(queue_name)
    batch = [new_event("test", "thing.happened.v1", f"agg-{i}", {"seq": i}) for i in range(3)]
    try:
        assert consumer.ready.wait(10)
        Publisher(broker).publish([Outgoing(topology.EVENTS.name, e.type, e.to_json(), e.id) for e in batch])
        assert wait_for(lambda: broker.default_channel.queue_declare(dead_letters, passive=True).message_count == 1,
                        timeout=20)
        assert [row.seq for row in applied_rows(pg_sessions)] == [1, 2]
        failures["mended"] = True
        done = subprocess.run([sys.executable, "-m", "servicekit.queues", "requeue", "--url", amqp_url,
                               "--queue", queue_name], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"{queue_name}: 1 dead letters put back on the queue"
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 3, timeout=20)
    finally:
        stop.set()
        thread.join(10)
    assert sorted(row.seq for row in applied_rows(pg_sessions)) == [0, 1, 2]
    assert failures["left"] == 0, "it failed once more after being put back, and was tried again"
    assert read_queue(broker, dead_letters, wait=0) == []


def test_a_message_returned_unacked_past_the_delivery_limit_goes_to_the_dead_letter_queue(broker, queue_name):
    """What a consumer that crashes on one message does to it, again and again: it ends in `<queue>.dlq`."""
    bind_test_queue(broker, queue_name)
    event = new_event("test", "thing.happened.v1", "agg-1", {"seq": 1})
    Publisher(broker).publish([Outgoing(topology.EVENTS.name, event.type, event.to_json(), event.id)])
    channel = broker.channel()
    handed_out = 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and handed_out <= topology.DELIVERY_LIMIT:
        message = channel.basic_get(queue_name, no_ack=False)
        if message is None:
            time.sleep(0.05)
            continue
        handed_out += 1
        channel.basic_reject(message.delivery_tag, requeue=True)
    assert handed_out == topology.DELIVERY_LIMIT + 1
    dead = read_queue(broker, topology.dead_letter_queue_name(queue_name), wait=5)
    assert [body["id"] for body in dead] == [event.id]
    assert read_queue(broker, queue_name, wait=0) == []


def test_a_consumer_killed_mid_message_has_the_message_redelivered_and_applied_once(amqp_url, broker, pg_sessions,
                                                                                   queue_name, tmp_path,
                                                                                   reader_process):
    """(With a reader process, killing the consumer ends its reader too: else the delivery would stay taken.)"""
    database_url = pg_sessions.kw["bind"].url.render_as_string(hide_password=False)
    started = tmp_path / "started"
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    args = [sys.executable, str(HERE / "slow_consumer.py"), database_url, amqp_url, queue_name, str(started),
            str(reader_process)]
    victim = subprocess.Popen(args, env=env)
    try:
        bind_test_queue(broker, queue_name)
        event = new_event("test", "thing.happened.v1", "agg-1", {"seq": 1})
        Publisher(broker).publish([Outgoing(topology.EVENTS.name, event.type, event.to_json(), event.id)])
        assert wait_for(started.exists, timeout=20), "the consumer started applying the event"
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()
    assert applied_rows(pg_sessions) == []
    consumer = consumer_for(amqp_url, pg_sessions, queue_name, reader_process=reader_process)
    thread, stop = run_in_thread(consumer.run)
    try:
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 1)
        time.sleep(1)
    finally:
        stop.set()
        thread.join(10)
    assert [row.event_id for row in applied_rows(pg_sessions)] == [event.id]
    assert metrics.EVENTS_REDELIVERED.labels(queue_name)._value.get() == 1


def test_heartbeats_keep_the_connection_while_a_long_handler_runs(amqp_url, broker, pg_sessions, queue_name,
                                                                  reader_process):
    def slow(session, event):
        time.sleep(7)  # longer than two heartbeat intervals below
        record_applied(session, event)

    consumer = Consumer(pg_sessions, [Subscription(queue_name, ("thing.#",), slow)],
                        lambda: Connection(amqp_url, heartbeat=2), reader_process=reader_process)
    thread, stop = run_in_thread(consumer.run)
    assert consumer.ready.wait(10)
    event = new_event("test", "thing.happened.v1", "agg-1", {"seq": 1})
    Publisher(broker).publish([Outgoing(topology.EVENTS.name, event.type, event.to_json(), event.id)])
    try:
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 1, timeout=20)
        time.sleep(1)
        assert consumer.ready.is_set(), "the connection was never dropped"
    finally:
        stop.set()
        thread.join(15)
    assert metrics.EVENTS_REDELIVERED.labels(queue_name)._value.get() == 0
    assert read_queue(broker, queue_name, wait=0) == []


def test_the_consumer_reconnects_by_itself_after_the_broker_comes_back(amqp_url, broker, pg_sessions, queue_name,
                                                                       reader_process):
    proxy = TcpProxy("127.0.0.1", urlsplit(amqp_url).port or 5672)
    consumer = consumer_for(via(amqp_url, proxy.port), pg_sessions, queue_name, reader_process=reader_process)
    thread, stop = run_in_thread(consumer.run)
    publisher = Publisher(broker)
    try:
        assert consumer.ready.wait(10)
        first = new_event("test", "thing.happened.v1", "agg-1", {"seq": 1})
        publisher.publish([Outgoing(topology.EVENTS.name, first.type, first.to_json(), first.id)])
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 1)
        proxy.cut()
        second = new_event("test", "thing.happened.v1", "agg-1", {"seq": 2})
        publisher.publish([Outgoing(topology.EVENTS.name, second.type, second.to_json(), second.id)])
        time.sleep(1)
        proxy.restore()
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 2, timeout=30)
    finally:
        stop.set()
        thread.join(10)
        proxy.close()
    assert [row.seq for row in applied_rows(pg_sessions)] == [1, 2]


def test_a_relay_killed_mid_way_loses_nothing(amqp_url, broker, pg_sessions, queue_name):
    """kill -9 while the outbox drains; the next relay publishes the rest (and, at most, a batch again)."""
    bind_test_queue(broker, queue_name)
    written = write_events(pg_sessions, 5000, subjects=20)
    database_url = pg_sessions.kw["bind"].url.render_as_string(hide_password=False)
    victim = subprocess.Popen([sys.executable, str(HERE / "relay_process.py"), database_url, amqp_url],
                              env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    try:
        assert wait_for(lambda: pending(pg_sessions) < 4000, timeout=60), "the relay got going"
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()
    assert pending(pg_sessions) > 0, "killed before the end"
    relay = Relay("test", pg_sessions, lambda: Connection(amqp_url))

    def drained() -> bool:
        # as the relay's loop does: a batch the killed relay held stays locked until PostgreSQL has seen its
        # connection close (a moment, longer on a busy machine), and a drain skips locked rows
        relay.drain()
        return pending(pg_sessions) == 0

    try:
        assert wait_for(drained, timeout=30), "the next relay published the rest"
    finally:
        relay.close()
    received = [body["id"] for body in read_queue(broker, queue_name, wait=2)]
    assert set(received) == set(written), "no event lost"
    assert len(received) - len(written) <= 2 * 100, "at most the batches in flight went out twice"
