"""PostgreSQL going away under load: every backend of a service terminated (on the machine's server, a database of
the test's own), and a server of the test's own restarted. Writers act as an integrator does (each change sent
with its Idempotency-Key until it is answered); nothing is answered 500, nothing is lost and nothing is done
twice. A consumer rides out the restart without spending an event's tries."""
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest
from flask import current_app, jsonify
from flask_smorest import Blueprint
from kithelpers import applied_rows, metadata, read_queue, record_applied, wait_for, write_events
from kombu import Connection
from servicekit.consumer import Consumer, Subscription
from servicekit.db import kit_metadata, make_engine, make_session_factory, unit_of_work
from servicekit.processes import free_port
from servicekit.relay import Relay
from servicekit.testing import auth_headers
from servicekit.topology import dead_letter_queue_name
from servicekit.webapp import create_service_app, service_context
from sqlalchemy import text
from werkzeug.serving import make_server

from servicekit import idempotency

pytestmark = pytest.mark.integration
blueprint = Blueprint("changes", __name__, url_prefix="/api/v1/changes")
WRITERS = 4


@blueprint.route("/<name>", methods=["POST"])
def change(name: str):
    with unit_of_work(service_context(current_app).sessions) as session:
        session.execute(text("INSERT INTO changes (name) VALUES (:name)"), {"name": name})
        session.execute(text("SELECT pg_sleep(0.005)"))  # a unit of work that takes a moment, as real ones do
    return jsonify(name=name), 201


def serve(make_settings, database_url: str) -> tuple[str, Callable[[], None]]:
    """The kit's web app with the write above, on `database_url`, served by threads; its address and a stop."""
    settings = make_settings("customer", database_url=database_url, db_connect_timeout=2)
    app = create_service_app(settings, "Changes", [blueprint], check_broker=False)
    engine = service_context(app).engine
    kit_metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE changes (name TEXT NOT NULL)"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        engine.dispose()
    return f"http://127.0.0.1:{server.server_port}", stop


class Writers:
    """Threads each sending changes one after another, each change until it is answered for good."""

    def __init__(self, url: str) -> None:
        self.url, self.statuses, self.done = url, Counter(), []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._write, args=(n,)) for n in range(WRITERS)]

    def _write(self, writer: int) -> None:
        headers = auth_headers("agent")
        with httpx.Client(base_url=self.url, timeout=30) as client:
            number = 0
            while not self._stop.is_set():
                name = f"w{writer}-{number}"
                while True:
                    response = client.post(f"/api/v1/changes/{name}", headers={**headers, "Idempotency-Key": name})
                    with self._lock:
                        self.statuses[response.status_code] += 1
                    if response.status_code == 503:
                        assert response.headers.get("Retry-After"), response.text
                        time.sleep(0.2)  # shorter than Retry-After asks, to keep the test short
                        continue
                    if response.status_code == 409 and "still being processed" in response.json()["detail"]:
                        time.sleep(0.2)  # its first try was cut short by the outage: taken over once abandoned
                        continue
                    if response.status_code in (201, 409):  # 409: done before, its answer lost
                        with self._lock:
                            self.done.append(name)
                    break
                number += 1

    def __enter__(self) -> "Writers":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)


def names_in(database_url: str) -> Counter:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        names = Counter(row[0] for row in connection.execute(text("SELECT name FROM changes")))
    engine.dispose()
    return names


def assert_nothing_lost_or_twice(writers: Writers, stored: Counter) -> None:
    assert writers.statuses[500] == 0, writers.statuses
    assert set(writers.statuses) <= {201, 409, 503}, writers.statuses
    assert [name for name, times in stored.items() if times > 1] == [], "changes made twice"
    assert set(writers.done) <= set(stored), "changes answered done that are not stored"
    # a change still being sent when the writers stopped may be stored and not yet answered: nothing else
    assert len(set(stored) - set(writers.done)) <= WRITERS


@pytest.fixture(autouse=True)
def quickly_abandoned(monkeypatch):
    """A claim cut short by the outage is taken over after 1 s instead of five minutes."""
    monkeypatch.setattr(idempotency, "ABANDONED_AFTER", 1)


def felt(writers: Writers, caplog: pytest.LogCaptureFixture) -> int:
    """How many times the outage reached the writers: requests answered 503 and requests run again (a quick
    fail-over can be ridden out by running every request again, with no 503 at all)."""
    again = sum("running the request again" in record.getMessage() for record in caplog.records)
    return writers.statuses[503] + again


@pytest.fixture
def private_database(private_postgres) -> Iterator[str]:
    with psycopg.connect(private_postgres.url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("CREATE DATABASE changes")
    yield private_postgres.url.rsplit("/", 1)[0] + "/changes"


def test_every_backend_terminated_under_load_loses_nothing_and_answers_no_500(make_settings, postgres_database):
    database_url = postgres_database("outages")
    database = database_url.rsplit("/", 1)[1]
    url, stop = serve(make_settings, database_url)
    admin = psycopg.connect(database_url.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres", autocommit=True)
    terminated = 0
    try:
        with Writers(url) as writers:
            time.sleep(0.5)
            rounds, deadline = 0, time.monotonic() + 90
            # fifteen rounds at least, and on until fifty writes were done under fire (fewer a second on a busy
            # machine)
            while (rounds < 15 or len(writers.done) <= 50) and time.monotonic() < deadline:
                rounds += 1
                terminated += admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()[0]
                time.sleep(0.2)
            time.sleep(0.5)
    finally:
        admin.close()
        stop()
    assert terminated > 10, "the backends were not terminated under load"
    assert len(writers.done) > 50
    assert_nothing_lost_or_twice(writers, names_in(database_url))


def test_a_server_restarted_twice_under_load_loses_nothing_and_answers_no_500(make_settings, private_postgres,
                                                                              private_database, caplog):
    url, stop = serve(make_settings, private_database)
    try:
        with Writers(url) as writers:
            assert wait_for(lambda: len(writers.done) >= 5, timeout=30), "no write done before the restarts"
            private_postgres.restart(down_for=1.0)
            time.sleep(0.5)
            private_postgres.restart(down_for=0.2)
            before = len(writers.done)
            wait_for(lambda: len(writers.done) >= before + 5, timeout=30)
            after = len(writers.done)
    finally:
        stop()
    assert after > before, "writes did not go on after the restarts"
    assert felt(writers, caplog) > 0, "the restarts were not felt: the test shows nothing"
    assert_nothing_lost_or_twice(writers, names_in(private_database))


def test_a_standby_promoted_under_load_keeps_every_acknowledged_write(make_settings, private_postgres,
                                                                     private_database, caplog):
    """A fail-over: the primary crashes (stopped at once, as a lost machine) and its synchronous standby is
    promoted while writers go on, through one URL naming both servers."""
    standby = private_postgres.standby().start()
    try:
        with psycopg.connect(private_postgres.url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
            admin.execute("SELECT pg_reload_conf()")
            assert wait_for(lambda: admin.execute("SELECT count(*) FROM pg_stat_replication WHERE sync_state = "
                                                  "'sync'").fetchone()[0] == 1, timeout=20)
        both = (f"postgresql+psycopg://postgres@/changes?host=127.0.0.1:{private_postgres.port}"
                f"&host=127.0.0.1:{standby.port}&target_session_attrs=read-write")
        url, stop = serve(make_settings, both)
        try:
            with Writers(url) as writers:
                assert wait_for(lambda: len(writers.done) >= 5, timeout=30), "no write done before the fail-over"
                private_postgres.stop()  # immediate: no shutdown checkpoint, every session cut
                standby.promote()
                before = len(writers.done)
                wait_for(lambda: len(writers.done) >= before + 5, timeout=30)
                after = len(writers.done)
        finally:
            stop()
        assert after > before, "writes did not go on on the promoted standby"
        assert felt(writers, caplog) > 0, "the fail-over was not felt: the test shows nothing"
        promoted = f"postgresql+psycopg://postgres@127.0.0.1:{standby.port}/changes"
        assert_nothing_lost_or_twice(writers, names_in(promoted))
    finally:
        standby.remove()


def test_a_consumer_rides_out_a_database_restart_without_dead_lettering(amqp_url, broker, private_postgres,
                                                                        private_database, pg_sessions, queue_name):
    sessions = make_session_factory(make_engine(private_database, connect_timeout=2))
    kit_metadata.create_all(sessions.kw["bind"])
    metadata.create_all(sessions.kw["bind"])
    consumer = Consumer(sessions, [Subscription(queue_name, ("thing.happened.v1",), record_applied)],
                        lambda: Connection(amqp_url), max_retries=1, retry_delay=0.1)
    relay = Relay("test", pg_sessions, lambda: Connection(amqp_url))
    stop = threading.Event()
    threads = [threading.Thread(target=consumer.run, args=(stop,)),
               threading.Thread(target=relay.run, args=(stop,))]
    for thread in threads:
        thread.start()
    try:
        assert consumer.ready.wait(20)
        ids = write_events(pg_sessions, 100)
        assert wait_for(lambda: len(applied_rows(sessions)) >= 20, timeout=20)
        private_postgres.restart(down_for=2.0)  # longer than every retry the consumer has (one, 0.1 s apart)
        ids += write_events(pg_sessions, 100, start=100)
        assert wait_for(lambda: len(applied_rows(sessions)) >= 200, timeout=60)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    applied = [row.event_id for row in applied_rows(sessions)]
    assert sorted(applied) == sorted(ids), "events lost or applied twice"
    assert read_queue(broker, dead_letter_queue_name(queue_name)) == [], "an event dead-lettered for a restart"


def test_a_url_naming_several_servers_connects_to_the_one_that_answers(private_postgres):
    """As after a fail-over: the first server named is gone, the promoted one is second."""
    gone = free_port()  # nothing listens there
    url = (f"postgresql+psycopg://postgres@/postgres?host=127.0.0.1:{gone}&host=127.0.0.1:{private_postgres.port}"
           "&target_session_attrs=read-write")
    engine = make_engine(url, connect_timeout=2)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT inet_server_port()")).scalar() == private_postgres.port
    engine.dispose()
