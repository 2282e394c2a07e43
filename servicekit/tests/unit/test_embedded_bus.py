"""The embedded bus (kombu's filesystem transport) routes topic events between separate processes."""
import subprocess
import sys
import textwrap
import time

from kithelpers import applied_rows, record_applied, run_in_thread, wait_for
from servicekit.bus import connect
from servicekit.consumer import Consumer, Subscription

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
