"""Relay and consumer on the in-memory transport: the delivery rules without a broker."""
import threading
import uuid

from kithelpers import applied_rows, read_queue, record_applied, run_in_thread, wait_for, write_events
from kombu import Connection
from servicekit.bus import Outgoing, Publisher
from servicekit.consumer import Consumer, Subscription
from servicekit.db import outbox, unit_of_work
from servicekit.relay import Relay
from sqlalchemy import select

from servicekit import topology


def make_consumer(sessions, queue, handler=record_applied, **kwargs):
    return Consumer(sessions, [Subscription(queue, ("thing.#",), handler)], lambda: Connection("memory://"),
                    retry_delay=0.01, **kwargs)


def test_relay_publishes_every_committed_event_once_and_marks_it(sqlite_sessions):
    queue = f"q-{uuid.uuid4().hex}"
    with Connection("memory://") as connection:
        topology.declare(connection.default_channel, queue, ("thing.#",), amqp=False)
        ids = write_events(sqlite_sessions, 7, subjects=3)
        relay = Relay("test", sqlite_sessions, lambda: Connection("memory://"), batch_size=5)
        assert relay.publish_pending() == 5
        assert relay.publish_pending() == 2
        assert relay.publish_pending() == 0
        bodies = read_queue(connection, queue)
    assert [body["id"] for body in bodies] == ids
    with unit_of_work(sqlite_sessions) as session:
        assert session.execute(select(outbox.c.id).where(outbox.c.published_at.is_(None))).all() == []


def test_a_relay_told_to_stop_finishes_the_batch_in_hand_and_claims_no_other(sqlite_sessions):
    queue = f"q-{uuid.uuid4().hex}"
    with Connection("memory://") as connection:
        topology.declare(connection.default_channel, queue, ("thing.#",), amqp=False)
        ids = write_events(sqlite_sessions, 7, subjects=3)
        relay = Relay("test", sqlite_sessions, lambda: Connection("memory://"), batch_size=3)
        stop = threading.Event()
        publisher = relay._ensure_publisher()
        send = publisher.send

        def send_then_stop(messages):  # the signal arrives while the first batch is on its way
            stop.set()
            return send(messages)

        publisher.send = send_then_stop
        assert relay.drain(stop=stop) == 3
        assert [body["id"] for body in read_queue(connection, queue)] == ids[:3]
    with unit_of_work(sqlite_sessions) as session:  # the rest wait, pending, for the next start
        assert len(session.execute(select(outbox.c.id).where(outbox.c.published_at.is_(None))).all()) == 4


def test_consumer_applies_each_event_once_even_when_delivered_twice(sqlite_sessions):
    queue = f"q-{uuid.uuid4().hex}"
    consumer = make_consumer(sqlite_sessions, queue)
    thread, stop = run_in_thread(consumer.run)
    assert consumer.ready.wait(5)
    ids = write_events(sqlite_sessions, 3)
    relay = Relay("test", sqlite_sessions, lambda: Connection("memory://"))
    relay.publish_pending()
    with unit_of_work(sqlite_sessions) as session:  # the broker delivers everything again
        session.execute(outbox.update().values(published_at=None))
    relay.publish_pending()
    assert wait_for(lambda: len(applied_rows(sqlite_sessions)) == 3)
    assert wait_for(lambda: consumer._received == type(consumer._received)())
    stop.set()
    thread.join(5)
    assert [row.event_id for row in applied_rows(sqlite_sessions)] == ids


def test_a_failing_event_is_retried_then_dead_lettered_and_the_next_one_still_flows(sqlite_sessions):
    queue = f"q-{uuid.uuid4().hex}"
    attempts = []

    def fragile(session, event):
        if event.data["seq"] == 0:
            attempts.append(event.id)
            raise ValueError("cannot apply this one")
        record_applied(session, event)

    consumer = make_consumer(sqlite_sessions, queue, fragile, max_retries=2)
    thread, stop = run_in_thread(consumer.run)
    assert consumer.ready.wait(5)
    write_events(sqlite_sessions, 2)
    Relay("test", sqlite_sessions, lambda: Connection("memory://")).publish_pending()
    assert wait_for(lambda: len(applied_rows(sqlite_sessions)) == 1)
    with Connection("memory://") as connection:
        dead = []
        assert wait_for(lambda: dead.extend(read_queue(connection, topology.dead_letter_queue_name(queue), 0)) or dead)
    stop.set()
    thread.join(5)
    assert len(attempts) == 3  # the first try and two retries
    assert dead[0]["data"] == {"seq": 0}
    assert applied_rows(sqlite_sessions)[0].seq == 1


def test_a_body_that_is_not_a_cloudevent_goes_straight_to_the_dead_letter_queue(sqlite_sessions):
    queue = f"q-{uuid.uuid4().hex}"
    consumer = make_consumer(sqlite_sessions, queue)
    thread, stop = run_in_thread(consumer.run)
    assert consumer.ready.wait(5)
    with Connection("memory://") as connection:
        Publisher(connection).publish([Outgoing(topology.EVENTS.name, "thing.broken.v1", "{not json", "m-1")])
        dead = []
        assert wait_for(lambda: dead.extend(read_queue(connection, topology.dead_letter_queue_name(queue), 0)) or dead)
    stop.set()
    thread.join(5)
    assert dead == ["{not json"]
    assert applied_rows(sqlite_sessions) == []


def test_batches_apply_each_event_once_and_isolate_the_one_that_fails(sqlite_sessions):
    queue = f"q-{uuid.uuid4().hex}"

    def fragile(session, event):
        if event.data["seq"] == 13:
            raise ValueError("unlucky")
        record_applied(session, event)

    consumer = make_consumer(sqlite_sessions, queue, fragile, max_retries=1, prefetch=20)
    ids = write_events(sqlite_sessions, 60, subjects=4)
    relay = Relay("test", sqlite_sessions, lambda: Connection("memory://"))
    with Connection("memory://") as connection:
        topology.declare(connection.default_channel, queue, ("thing.#",), amqp=False)
        relay.publish_pending()
        with unit_of_work(sqlite_sessions) as session:  # two events delivered a second time
            session.execute(outbox.update().where(outbox.c.event_id.in_(ids[:2])).values(published_at=None))
        relay.publish_pending()
        thread, stop = run_in_thread(consumer.run)
        dead = []
        assert wait_for(lambda: dead.extend(read_queue(connection, topology.dead_letter_queue_name(queue), 0)) or dead)
        assert wait_for(lambda: len(applied_rows(sqlite_sessions)) == 59)
    stop.set()
    thread.join(5)
    applied = [row.event_id for row in applied_rows(sqlite_sessions)]
    assert sorted(applied) == sorted(set(ids) - {ids[13]})
    assert [body["data"]["seq"] for body in dead] == [13]


def test_a_handler_may_prepare_for_a_batch_before_its_events_are_applied(sqlite_sessions):
    from servicekit.consumer import apply_batch
    from servicekit.events import new_event

    calls = []

    def handler(session, event):
        calls.append(("apply", event.id))

    handler.prepare = lambda session, events: calls.append(("prepare", [event.id for event in events]))
    first, second = (new_event("test", "thing.happened.v1", "agg", {"n": n}) for n in (1, 2))
    apply_batch(sqlite_sessions, [("q.prepare", first, handler)])
    apply_batch(sqlite_sessions, [("q.prepare", first, handler), ("q.prepare", second, handler)])
    assert calls == [("prepare", [first.id]), ("apply", first.id),
                     ("prepare", [second.id]), ("apply", second.id)]  # duplicates are not prepared for


def test_a_subscriptions_beside_work_runs_while_the_consumer_runs_and_ends_with_it(sqlite_sessions):
    queue = f"q-{uuid.uuid4().hex}"
    rounds: list[object] = []
    ended = threading.Event()

    def beside(sessions, ending, behind):  # as a read model's folder: a round now and then until the consumer ends
        while not ending.wait(0.01):
            rounds.append(sessions)
        ended.set()

    consumer = Consumer(sqlite_sessions, [Subscription(queue, ("thing.#",), record_applied, beside=beside)],
                        lambda: Connection("memory://"), retry_delay=0.01)
    thread, stop = run_in_thread(consumer.run)
    assert consumer.ready.wait(5)
    write_events(sqlite_sessions, 2)
    Relay("test", sqlite_sessions, lambda: Connection("memory://")).publish_pending()
    assert wait_for(lambda: len(applied_rows(sqlite_sessions)) == 2)
    assert wait_for(lambda: len(rounds) >= 3)
    assert not ended.is_set()
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert ended.is_set()  # before run returned
    assert set(map(id, rounds)) == {id(sqlite_sessions)}  # on the consumer's own sessions


def test_the_beside_work_sees_the_consumer_behind_while_a_backlog_is_applied_and_not_once_it_caught_up(
        sqlite_sessions):
    """20 events waiting for a consumer that applies 4 at a time: full batches, so it is behind while it applies
    them; once nothing waits, it is not."""
    queue = f"q-{uuid.uuid4().hex}"
    seen: list[bool] = []
    handing: dict = {}

    def slow(session, event):  # the beside work looks while the batches are applied
        seen.append(handing["behind"].is_set())
        record_applied(session, event)

    def beside(sessions, ending, behind):
        handing["behind"] = behind
        ending.wait()

    with Connection("memory://") as connection:
        topology.declare(connection.default_channel, queue, ("thing.#",), amqp=False)
    write_events(sqlite_sessions, 20)
    Relay("test", sqlite_sessions, lambda: Connection("memory://")).publish_pending()
    consumer = Consumer(sqlite_sessions, [Subscription(queue, ("thing.#",), slow, beside=beside)],
                        lambda: Connection("memory://"), prefetch=8, batch_size=4, retry_delay=0.01)
    thread, stop = run_in_thread(consumer.run)
    assert wait_for(lambda: len(applied_rows(sqlite_sessions)) == 20)
    assert seen.count(True) >= 12  # the full batches before the last ones
    assert wait_for(lambda: not consumer.behind.is_set())
    stop.set()
    thread.join(5)


def test_a_consumers_process_collects_cyclic_garbage_less_often(sqlite_sessions):
    """Applying batches allocates a great deal that reference counting frees: the collector's youngest threshold
    goes up to GC_THRESHOLD (a quarter of the reporting consumer's CPU went on collections at Python's 700)."""
    import gc

    from servicekit.consumer import GC_THRESHOLD

    saved = gc.get_threshold()
    gc.set_threshold(700, *saved[1:])
    try:
        consumer = make_consumer(sqlite_sessions, f"q-{uuid.uuid4().hex}")
        thread, stop = run_in_thread(consumer.run)
        assert consumer.ready.wait(5)
        assert gc.get_threshold() == (GC_THRESHOLD, *saved[1:])
        stop.set()
        thread.join(5)
    finally:
        gc.set_threshold(*saved)
