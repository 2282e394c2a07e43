"""The embedded bus (kombu's filesystem transport) routes topic events between separate processes."""
import subprocess
import sys
import textwrap
import time

from kithelpers import applied_rows, read_queue, record_applied, run_in_thread, wait_for
from servicekit.bus import Outgoing, Publisher, connect
from servicekit.consumer import Consumer, Subscription
from servicekit.queues import main as queues_command
from servicekit.redelivery import ERROR_HEADER, RETRIES_HEADER

from servicekit import topology

PUBLISH = textwrap.dedent("""
    import sys
    from servicekit.bus import Outgoing, Publisher, connect
    from servicekit.config import Settings
    from servicekit.events import new_event
    from servicekit import topology
    settings = Settings.from_env("other", {"CRM_VAR_DIR": sys.argv[1], "CRM_AUTH_SECRET": "x"})
    with connect(settings) as connection:
        topology.declare(connection.default_channel)
        events = [new_event("other", "thing.happened.v1", "a", {"seq": i}) for i in range(3)]
        events.append(new_event("other", "unrelated.happened.v1", "a", {"seq": 99}))
        Publisher(connection).publish([Outgoing("crm.events", e.type, e.to_json(), e.id) for e in events])
""")


def test_an_event_published_by_another_process_reaches_a_bound_queue_and_only_that(make_settings, sqlite_sessions):
    settings = make_settings("test")
    consumer = Consumer(sqlite_sessions, [Subscription("test.things", ("thing.#",), record_applied)],
                        lambda: connect(settings), retry_delay=0.01)
    thread, stop = run_in_thread(consumer.run)
    assert consumer.ready.wait(5)
    subprocess.run([sys.executable, "-c", PUBLISH, str(settings.var_dir)], check=True, timeout=60)
    try:
        wait_for(lambda: len(applied_rows(sqlite_sessions)) >= 3, timeout=10)
        time.sleep(0.3)  # and nothing else (the unrelated event) arrives
    finally:
        stop.set()
        thread.join(5)
    assert [row.seq for row in applied_rows(sqlite_sessions)] == [0, 1, 2]


def test_dead_letters_on_the_embedded_bus_are_put_back_without_their_failure(make_settings, monkeypatch, capsys):
    """`python -m servicekit.queues requeue --queue …` with no RabbitMQ URL: the embedded bus of CRM_VAR_DIR."""
    settings = make_settings("test")
    monkeypatch.delenv("CRM_BROKER_URL", raising=False)
    monkeypatch.setenv("CRM_VAR_DIR", str(settings.var_dir))
    with connect(settings) as connection:
        topology.declare(connection.default_channel, "test.things", ("thing.#",), amqp=False)
        failed = {RETRIES_HEADER: 3, ERROR_HEADER: "ValueError: no", "x-other": "kept"}
        Publisher(connection).publish([Outgoing("", "test.things.dlq", '{"seq": 1}', "id-1", failed)])

    queues_command(["requeue", "--queue", "test.things"])

    assert capsys.readouterr().out.strip() == "test.things: 1 dead letters put back on the queue"
    with connect(settings) as connection:
        assert read_queue(connection, "test.things.dlq", wait=0) == []
        message = connection.default_channel.basic_get("test.things", no_ack=True)
    assert message.headers == {"x-other": "kept"}
    assert message.body in (b'{"seq": 1}', '{"seq": 1}')
