"""The bus on a RabbitMQ cluster (a private one of the test run: deploy/local/rabbitmq-cluster.sh): a node
killed, or the whole cluster stopped, while events flow; none is lost, none is applied twice."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from kithelpers import applied_rows, record_applied, run_in_thread, wait_for, write_events
from servicekit.bus import connect
from servicekit.consumer import Consumer, Subscription
from servicekit.db import outbox, unit_of_work
from servicekit.relay import Relay
from sqlalchemy import func, select

pytestmark = [pytest.mark.integration, pytest.mark.cluster]


def pending(sessions) -> int:
    with unit_of_work(sessions) as session:
        return session.execute(select(func.count()).where(outbox.c.published_at.is_(None))).scalar()


def queue_leader(cluster, queue: str, ask: int) -> str:
    """The node that leads the quorum queue `queue`, as node `ask` sees it."""
    for line in cluster.ctl(ask, "list_queues", "name", "type", "leader").splitlines():
        name, kind, leader = (line.split("\t") + ["", ""])[:3]
        if name == queue:
            assert kind == "quorum"
            return leader
    raise AssertionError(f"no queue {queue} on the cluster")


def node_name(cluster, node: int) -> str:
    return f"guanxi-{cluster.port + node - 1}@localhost"


def stream_of_events(sessions, written: list[str]):
    """A writer that commits ten events every 50 ms until stopped, as a busy service would."""

    def write(stop):
        start = 0
        while not stop.is_set():
            written.extend(write_events(sessions, 10, subjects=5, start=start))
            start += 10
            stop.wait(0.05)

    return write


def relay_and_consumer(settings, sessions, queue: str, reader_process: bool = False) -> tuple[Relay, Consumer]:
    """A relay and a consumer as a service runs them, both given every node of the cluster (the consumer reading
    the broker in a thread, or with `reader_process` in a process of its own on the node it connected to)."""
    relay = Relay("test", sessions, lambda: connect(settings, heartbeat=5), batch_size=50, poll_interval=0.05,
                  max_backoff=1.0)
    consumer = Consumer(sessions, [Subscription(queue, ("thing.#",), record_applied)],
                        lambda: connect(settings, heartbeat=5), retry_delay=0.2, prefetch=50,
                        reader_process=reader_process)
    return relay, consumer


@pytest.mark.parametrize("reader_process", [False, True], ids=["reading thread", "reader process"])
def test_killing_the_node_a_consumer_and_relay_use_and_the_queue_leads_on_loses_nothing(
        rabbitmq_cluster, make_settings, pg_sessions, queue_name, reader_process):
    settings = make_settings("test", broker_url=rabbitmq_cluster.url(1))
    relay, consumer = relay_and_consumer(settings, pg_sessions, queue_name, reader_process)
    consuming, stop_consuming = run_in_thread(consumer.run)
    assert consumer.ready.wait(30)
    assert queue_leader(rabbitmq_cluster, queue_name, ask=1) == node_name(rabbitmq_cluster, 1)
    relaying, stop_relaying = run_in_thread(relay.run)
    written: list[str] = []
    writing, stop_writing = run_in_thread(stream_of_events(pg_sessions, written))
    killed = False
    try:
        assert wait_for(lambda: len(applied_rows(pg_sessions)) >= 200, timeout=60)
        rabbitmq_cluster.kill(1)
        killed = True
        time.sleep(3)  # events go on being written while the relay and the consumer move to another node
        stop_writing.set()
        writing.join(10)
        assert wait_for(lambda: pending(pg_sessions) == 0 and len(applied_rows(pg_sessions)) >= len(written),
                        timeout=90), "every event arrives with node 1 still down"
        time.sleep(1)  # a duplicate would be applied by now
        assert queue_leader(rabbitmq_cluster, queue_name, ask=2) in {node_name(rabbitmq_cluster, n) for n in (2, 3)}
    finally:
        stop_writing.set()
        stop_relaying.set()
        stop_consuming.set()
        relaying.join(15)
        consuming.join(15)
        if killed:
            rabbitmq_cluster.start_node(1)
    applied = [row.event_id for row in applied_rows(pg_sessions)]
    assert len(written) > 200
    assert sorted(applied) == sorted(written), "every event applied, none twice"


def test_the_whole_cluster_stopped_and_started_again_loses_nothing_and_applies_nothing_twice(
        rabbitmq_cluster, make_settings, pg_sessions, queue_name):
    """RabbitMQ itself (every node) stopped and started again while writes go on: every event arrives, once."""
    settings = make_settings("test", broker_url=rabbitmq_cluster.url(2))
    relay, consumer = relay_and_consumer(settings, pg_sessions, queue_name)
    consuming, stop_consuming = run_in_thread(consumer.run)
    assert consumer.ready.wait(30)
    relaying, stop_relaying = run_in_thread(relay.run)
    written = []
    try:
        written += write_events(pg_sessions, 50, subjects=5)
        assert wait_for(lambda: len(applied_rows(pg_sessions)) == 50)
        for node in (3, 2, 1):
            rabbitmq_cluster.ctl(node, "stop_app")
        try:
            for start in range(50, 150, 25):
                written += write_events(pg_sessions, 25, subjects=5, start=start)
                time.sleep(0.2)
            assert pending(pg_sessions) > 0, "nothing can be published while every node is down"
        finally:
            with ThreadPoolExecutor(3) as pool:  # each node waits for the others to come back
                list(pool.map(lambda node: rabbitmq_cluster.ctl(node, "start_app"), (1, 2, 3)))
        written += write_events(pg_sessions, 25, subjects=5, start=150)
        assert wait_for(lambda: len(applied_rows(pg_sessions)) >= 175, timeout=90)
        time.sleep(1)
    finally:
        stop_relaying.set()
        stop_consuming.set()
        relaying.join(15)
        consuming.join(15)
    assert pending(pg_sessions) == 0
    applied = [row.event_id for row in applied_rows(pg_sessions)]
    assert sorted(applied) == sorted(written), "every event applied, none twice"
