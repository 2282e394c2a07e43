"""Replay: a service's stored events, oldest first, to one named queue, ended by a marker."""
import uuid

from kithelpers import read_queue, write_events
from kombu import Connection
from servicekit.db import outbox, unit_of_work
from servicekit.relay import Relay
from servicekit.replay import completed_type, replay

from servicekit import topology


def test_replay_sends_every_stored_event_in_order_to_its_queue_only_then_a_marker(sqlite_sessions):
    live, target = f"live-{uuid.uuid4().hex}", f"rebuild-{uuid.uuid4().hex}"
    with Connection("memory://") as connection:
        topology.declare(connection.default_channel, live, ("thing.#",), amqp=False)
        ids = write_events(sqlite_sessions, 5, subjects=2)
        Relay("test", sqlite_sessions, lambda: Connection("memory://")).publish_pending()
        assert len(read_queue(connection, live)) == 5
        ids += write_events(sqlite_sessions, 2, start=5)  # not published yet: replayed all the same
        assert replay(sqlite_sessions, lambda: Connection("memory://"), "test", target, batch_size=3) == 7
        replayed = read_queue(connection, target)
        assert read_queue(connection, live) == []  # live subscribers see nothing of a replay
    assert [body["id"] for body in replayed[:-1]] == ids
    assert replayed[-1]["type"] == completed_type("test")
    assert replayed[-1]["data"]["events"] == 7
    with unit_of_work(sqlite_sessions) as session:  # the history is kept: nothing deleted or re-marked
        assert len(session.execute(outbox.select()).all()) == 7
