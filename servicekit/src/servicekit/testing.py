"""pytest fixtures every service's tests share: a throwaway PostgreSQL database and RabbitMQ vhost
per test run, a private RabbitMQ cluster for the tests that take nodes down, settings and tokens.
Loaded automatically (pytest11 entry point).

The real servers are required: when they cannot be reached the run fails loudly, it never skips.
"""
from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import struct
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from servicekit.auth import Identity, issue_token
from servicekit.config import Settings
from servicekit.private_postgres import PrivatePostgres

if TYPE_CHECKING:
    from servicekit.events import Event

TEST_SECRET = "test-secret-not-for-production-0123456789"
PG_ADMIN_URL = os.environ.get("CRM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE_URL = os.environ.get("CRM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
RUN_ID = uuid.uuid4().hex[:8]


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


class ThrowawayDatabases:
    """Creates PostgreSQL databases named for this run and drops them all at the end."""

    def __init__(self, admin_url: str = PG_ADMIN_URL) -> None:
        import psycopg

        self.admin_url = admin_url
        self.admin = psycopg.connect(_psycopg_url(admin_url), autocommit=True, connect_timeout=5)
        self.created: list[str] = []

    def create(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        database = f"guanxi_test_{RUN_ID}_{name}_{len(self.created)}"
        self.admin.execute(f'CREATE DATABASE "{database}"')
        self.created.append(database)
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{database}".replace("postgresql://", "postgresql+psycopg://")

    def drop_all(self) -> None:
        """Drop every database this object created."""
        for database in self.created:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.admin.close()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own (servicekit.private_postgres), for a test that restarts it."""
    try:
        server = PrivatePostgres().start()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        pytest.fail(f"could not start a private PostgreSQL server: {detail}", pytrace=False)
    yield server
    server.remove()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str], str]]:
    """A factory: `postgres_database("customer")` creates a fresh database and returns its URL."""
    import psycopg

    try:
        databases = ThrowawayDatabases()
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}", pytrace=False)
    yield databases.create
    databases.drop_all()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def broker_reachable(base_url: str = AMQP_BASE_URL) -> str | None:
    """None when the broker's port answers, else the reason it does not."""
    host = base_url.split("@")[-1].split("/")[0]
    hostname, _, port = host.partition(":")
    try:
        socket.create_connection((hostname, int(port or 5672)), timeout=5).close()
    except OSError as exc:
        return f"RabbitMQ is not reachable at {host}: {exc}"
    return None


@contextlib.contextmanager
def throwaway_vhost(label: str = "test") -> Iterator[str]:
    """A RabbitMQ vhost of its own for the block, as an AMQP URL; deleted afterwards."""
    vhost = f"guanxi-{label}-{RUN_ID}-{uuid.uuid4().hex[:4]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"{AMQP_BASE_URL.rstrip('/')}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """A throwaway RabbitMQ vhost for this test run, as an AMQP URL."""
    problem = broker_reachable()
    if problem:
        pytest.fail(problem, pytrace=False)
    with throwaway_vhost() as url:
        yield url


class StandIn:
    """Another service as the events it publishes, for a test that must not import that service: an outbox
    of its own in a fresh PostgreSQL database and the kit's Relay, which publishes what `publish` writes
    there to the broker as that service would (start `relay.run` in a thread, as the service's relay runs)."""

    def __init__(self, service: str, database_url: str, amqp_url: str) -> None:
        from kombu import Connection

        from servicekit.db import kit_metadata, make_engine, make_session_factory
        from servicekit.relay import Relay

        self.service = service
        self.engine = make_engine(database_url)
        kit_metadata.create_all(self.engine)
        self.sessions = make_session_factory(self.engine)
        self.relay = Relay(service, self.sessions, lambda: Connection(amqp_url), poll_interval=0.05)

    def publish(self, type: str, subject: str, data: dict[str, Any]) -> Event:
        """Write one event to the outbox, committed: the relay publishes it."""
        from servicekit.db import unit_of_work
        from servicekit.outbox import record_event

        with unit_of_work(self.sessions) as session:
            return record_event(session, self.service, type, subject, data)

    def close(self) -> None:
        """Close the relay's connection and the database's."""
        self.relay.close()
        self.engine.dispose()


@pytest.fixture
def stand_in(postgres_database, amqp_url) -> Iterator[Callable[[str], StandIn]]:
    """A factory: `stand_in("customer")` publishes customer events through the broker (see StandIn)."""
    made: list[StandIn] = []

    def make(service: str) -> StandIn:
        made.append(StandIn(service, postgres_database(f"{service}_stand_in"), amqp_url))
        return made[-1]

    yield make
    for publisher in made:
        publisher.close()


CLUSTER_SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "local" / "rabbitmq-cluster.sh"


def _ports_free(ports: list[int]) -> bool:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return False
    return True


class PrivateCluster:
    """A 3-node RabbitMQ cluster of this test run's own, in `folder` (deploy/local/rabbitmq-cluster.sh):
    tests may kill and stop its nodes, which they must never do to the machine's broker."""

    NODES = (1, 2, 3)

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port

    def _script(self, *args: str, timeout: float = 240) -> str:
        # run in the cluster's folder: a node killed mid-write leaves its Mnesia core dump in the working directory
        self.folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["bash", str(CLUSTER_SCRIPT), *args], capture_output=True, text=True, cwd=self.folder,
                              timeout=timeout, env={**os.environ, "GUANXI_CLUSTER_PORT": str(self.port)})
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmq-cluster.sh {' '.join(args)} failed: {done.stderr.strip() or done.stdout}")
        return done.stdout

    def start(self) -> None:
        """Start the three nodes and join them (or start them again, their data kept)."""
        self._script("start", str(self.folder))

    def stop(self) -> None:
        """Stop every node."""
        self._script("stop", str(self.folder))

    def node_url(self, node: int) -> str:
        """The AMQP URL of one node (default vhost)."""
        return f"amqp://guest:guest@127.0.0.1:{self.port + node - 1}//"

    def url(self, *order: int) -> str:
        """A CRM_BROKER_URL naming every node, those in `order` first."""
        nodes = [*order, *(node for node in self.NODES if node not in order)]
        return ";".join(self.node_url(node) for node in nodes)

    def ctl(self, node: int, *args: str) -> str:
        """rabbitmqctl against one node; its output."""
        return self._script("ctl", str(node), str(self.folder), "--", *args)

    def kill(self, node: int) -> None:
        """Kill a node's Erlang VM (SIGKILL): a crash."""
        self._script("kill-node", str(node), str(self.folder))

    def start_node(self, node: int) -> None:
        """Bring a killed node back into the cluster."""
        self._script("start-node", str(node), str(self.folder))


def free_cluster_port() -> int:
    """A base port for a private cluster whose AMQP and distribution ports are all free."""
    for _ in range(20):
        port = random.randrange(10000, 12000)
        if _ports_free([port + offset for offset in (0, 1, 2, 20000, 20001, 20002)]):
            return port
    raise RuntimeError("no free ports for a private RabbitMQ cluster")


@pytest.fixture(scope="session")
def rabbitmq_cluster(tmp_path_factory) -> Iterator[PrivateCluster]:
    """A private 3-node RabbitMQ cluster for this test run, on free ports; stopped and deleted at the end."""
    try:
        port = free_cluster_port()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    folder = tmp_path_factory.mktemp("rabbitmq-cluster")
    cluster = PrivateCluster(folder, port)
    try:
        cluster.start()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            cluster.stop()
        pytest.fail(f"the private RabbitMQ cluster did not start: {exc}", pytrace=False)
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory) -> dict[Path, Path]:
    return {}


@pytest.fixture
def migrated_sqlite(tmp_path: Path, tmp_path_factory, _migrated_templates) -> Callable[[Path, str], str]:
    """`migrated_sqlite(migrations, "customer")`: the URL of a fresh SQLite file at the newest migration.

    The real migrations run once per test session; each test gets its own copy of the result, which is
    as fresh as migrating again and much faster.
    """

    def make(migrations: Path, name: str) -> str:
        template = _migrated_templates.get(migrations)
        if template is None:
            template = tmp_path_factory.mktemp("migrated") / f"{name}.db"
            from servicekit.db import upgrade

            upgrade(f"sqlite:///{template}", migrations)
            _migrated_templates[migrations] = template
        target = tmp_path / "databases" / f"{name}.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    return make


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a service under test; the var folder is the test's own temporary folder."""

    def make(service: str, **overrides) -> Settings:
        env = {"CRM_VAR_DIR": str(tmp_path / "var"), "CRM_AUTH_SECRET": TEST_SECRET}
        return Settings.from_env(service, env, **overrides)

    return make


def token_for(role: str, subject: str | None = None, secret: str = TEST_SECRET,
              stores: tuple[str, ...] = ()) -> str:
    """A bearer token for a caller with `role` (signed with the test secret), tied to `stores` if any."""
    return issue_token(secret, Identity(subject or f"test-{role}", role, stores=tuple(stores)), 3600)


def auth_headers(role: str = "admin", subject: str | None = None, stores: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers that authenticate a test caller with `role` (limited to `stores` when given)."""
    return {"Authorization": f"Bearer {token_for(role, subject, stores=stores)}"}


class TcpProxy:
    """A TCP proxy to a real server that a test can cut and restore, to act out an outage, or trouble on the
    network: latency added to every chunk (`delay`), connections reset (`reset`), a black hole that holds every
    byte until it ends (`black_hole`, like a partition that heals within TCP's retransmissions)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._flowing = threading.Event()
        self._flowing.set()
        self.latency = 0.0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                if self.latency:
                    time.sleep(self.latency)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _drop_all(self, reset: bool = False) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                if reset:  # a zero linger: the close sends a RST, not a FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # wakes the pipe threads' recv (a socket closed under a blocked recv stays open until it returns)
                sock.shutdown(socket.SHUT_RD if reset else socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass

    def cut(self) -> None:
        """Drop every connection and refuse new ones (the server looks down)."""
        self._open.clear()
        self._drop_all()

    def restore(self) -> None:
        """Accept connections again."""
        self._open.set()

    def reset(self) -> None:
        """Reset every open connection (a RST on both sides); new ones are accepted as before."""
        self._drop_all(reset=True)

    @contextlib.contextmanager
    def delay(self, seconds: float) -> Iterator[None]:
        """Within the block, every chunk in either direction waits `seconds` before it is passed on."""
        self.latency = seconds
        try:
            yield
        finally:
            self.latency = 0.0

    @contextlib.contextmanager
    def black_hole(self) -> Iterator[None]:
        """Within the block, connections are accepted and nothing gets through either way; what was sent
        arrives when the block ends."""
        self._flowing.clear()
        try:
            yield
        finally:
            self._flowing.set()

    def close(self) -> None:
        """Stop the proxy."""
        self._flowing.set()
        self.cut()
        self._listener.close()


def deliver_user(app, queue: str, username: str, **fields) -> str:
    """Apply a user event (servicekit.staff.user_data fields) to a service's users copy through its consumer's
    inbox on `queue`, as the gateway would publish it; returns what apply_once says."""
    from servicekit import staff
    from servicekit.consumer import apply_once
    from servicekit.events import new_event
    from servicekit.webapp import service_context

    event = new_event("gateway", "user.updated.v1", username, staff.user_data(username, **fields))
    return apply_once(service_context(app).sessions, queue, event, staff.apply_user_event)
