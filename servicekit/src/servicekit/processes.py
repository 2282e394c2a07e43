"""Guanxi's processes as real OS processes, for end-to-end tests and benchmarks: start, wait, stop."""
from __future__ import annotations

import fcntl
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

import httpx


def free_port() -> int:
    """A TCP port nobody listens on, reserved for this process (see `free_ports`)."""
    return free_ports(1)[0]


#: Where test systems' ports are drawn from: below the range the kernel hands out for outgoing connections and
#: for binding port 0 (32768-60999 on Linux), so no client connection takes one, and apart from the private
#: RabbitMQ cluster's ports (servicekit.testing.cluster: 10000-12002 and 30000-32002).
PORT_RANGE = range(20000, 30000)
_reserved: set[int] = set()
_random = random.Random()


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports nobody listens on, each reserved for this process for as long as it runs.

    Every process that asks here reserves through one lock file, a byte per port, so no two hand out the same
    port: the test run's workers and the bench each start systems whose processes bind their ports later, and
    ports chosen by binding port 0 and letting go came back the same (two services of one system were once given
    one port; another time a gateway's port went to another system's service, and a login reached that).
    The kernel releases a process's reservations when it ends."""
    ports: list[int] = []
    if count == 0:
        return ports
    start = _random.randrange(len(PORT_RANGE))  # processes starting at once mostly look in different places
    for step in range(len(PORT_RANGE)):
        port = PORT_RANGE[(start + step) % len(PORT_RANGE)]
        if port not in _reserved and _reserve(port) and _nobody_listens(port):
            _reserved.add(port)
            ports.append(port)
            if len(ports) == count:
                return ports
    raise RuntimeError(f"fewer than {count} free ports left in {PORT_RANGE}")


@cache
def _lock_file() -> int:
    """This process's descriptor of the ports' lock file, open while it runs (closing any descriptor of the file
    would drop every reservation the process holds: POSIX record locks belong to the process)."""
    return os.open(Path(tempfile.gettempdir()) / f"guanxi-ports-{os.getuid()}.lock", os.O_RDWR | os.O_CREAT, 0o600)


def _reserve(port: int) -> bool:
    """Lock `port`'s byte of the lock file, or False if another process holds it."""
    try:
        fcntl.lockf(_lock_file(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, port)
    except OSError:
        return False
    return True


def _nobody_listens(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def clean_env(var_dir: Path) -> dict[str, str]:
    """This process's environment without any CRM_* or Prometheus settings, plus a var folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "PROMETHEUS_"))}
    env.update({"CRM_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", "CRM_LOG_LEVEL": "INFO"})
    return env


def wait_until_ready(url: str, process: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    """Wait for `url` to answer 200; raise naming the last answer, or at once if `process` died."""
    deadline, last = time.monotonic() + timeout, "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout}s: {last}")


class Processes:
    """Service processes sharing one environment, their output in log files; stopped together."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.running: list[tuple[str, subprocess.Popen, IO[bytes]]] = []
        self.commands: dict[str, tuple[tuple[str, ...], dict[str, str] | None]] = {}

    def run(self, *args: str) -> None:
        """Run `python -m <args>` (a migration) to completion."""
        subprocess.run([sys.executable, "-m", *args], env=self.env, check=True, timeout=120,
                       stdout=subprocess.DEVNULL)

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start `python -m <args>` in the background, with `env` added to the shared environment."""
        log = open(self.log_dir / f"{name}.log", "ab")  # closed in stop()
        process = subprocess.Popen([sys.executable, "-m", *args], env={**self.env, **(env or {})}, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.running.append((name, process, log))
        self.commands[name] = (args, env)
        return process

    def named(self, name: str) -> subprocess.Popen:
        """The process last started under `name`."""
        return next(process for started, process, _ in reversed(self.running) if started == name)

    def restart(self, name: str) -> subprocess.Popen:
        """Start `name` again as it was first started (after it was killed), its log continued."""
        args, env = self.commands[name]
        return self.start(name, *args, env=env)

    def stop(self) -> None:
        """SIGTERM everything started, SIGKILL what has not gone 15 s later."""
        for _, process, _ in self.running:
            process.terminate()
        deadline = time.monotonic() + 15
        for _, process, log in self.running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def logs(self) -> str:
        """The tail of every process's log, for an error report."""
        return "\n".join(f"--- {name}\n{(self.log_dir / f'{name}.log').read_text(errors='replace')[-3000:]}"
                         for name in dict.fromkeys(name for name, _, _ in self.running))


#: The first admin's password of a system started by `running_system`.
ADMIN_PASSWORD = "e2e-first-passphrase"


@dataclass
class System:
    """A running system: the gateway's URL, each running service's URL, and its processes."""

    gateway: str
    services: dict[str, str]
    processes: Processes

    def service_headers(self, role: str = "admin", subject: str = "e2e",
                        stores: tuple[str, ...] = ()) -> dict[str, str]:
        """Headers a service reached directly takes: a service token signed with this system's secret, such as
        the gateway mints for each request it passes on (a login's session token is good at the gateway only)."""
        from servicekit.auth import Identity, issue_token

        identity = Identity(subject, role, stores=tuple(stores))
        return {"Authorization": f"Bearer {issue_token(self.processes.env['CRM_AUTH_SECRET'], identity, 600)}"}


T = TypeVar("T")


def eventually(fetch: Callable[[], T], check: Callable[[T], bool] = bool, timeout: float = 30.0) -> tuple[T, float]:
    """Call `fetch` until `check` holds of its answer (what one process does reaches the others a moment
    later); return that answer and the seconds it took, or fail with the last answer after `timeout`."""
    started = time.monotonic()
    while True:
        answer = fetch()
        if check(answer):
            return answer, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not so after {timeout} s: {answer!r}")
        time.sleep(0.2)


def login(gateway: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
    """The Authorization header of a user's bearer token from the gateway at `gateway`."""
    response = httpx.post(f"{gateway}/api/v1/auth/token", json={"username": username, "password": password})
    if response.status_code != 200 or response.json().get("token_type") != "Bearer":
        raise AssertionError(f"login of {username}: {response.status_code} {response.text}")
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def running_system(var_dir: Path, database_url: Callable[[str], str], broker_url: str,
                   processes: Sequence[tuple[str, str]], upstreams: Iterable[str], env: dict[str, str] | None = None,
                   metrics: bool = False, ready_timeout: float = 60.0) -> Iterator[System]:
    """Migrate and start the gateway and the given (service, process) pairs on the real servers, each its own
    OS process; wait until the gateway is ready; stop everything at the end (printing the logs on failure).

    `database_url(service)` names each database. `upstreams`: every service the gateway routes to (the caller
    knows the system: gateway.config.DEFAULT_UPSTREAMS); those not in `processes` are "not deployed" for it.
    With `metrics`, each service's processes share a Prometheus multiprocess folder, as under `make run`.
    A pair listed twice runs twice (replicas): the first is named `<service>-<process>`, the next ones
    `<service>-<process>-2`, `-3` … (their log files and names in `system.processes`). `ready_timeout`: how
    long the gateway may take to be ready (many processes starting at once on a small machine take a while).
    """
    services = list(dict.fromkeys(service for service, _ in processes if service not in ("gateway", "console")))
    ports = _ports(services, processes)
    started = Processes(_system_env(var_dir, database_url, broker_url, upstreams, ports, env), var_dir)
    for service in ports:
        if service not in _NO_DATABASE:
            started.run(service, "migrate")
    _start_processes(started, processes, var_dir, metrics)
    system = System(f"http://127.0.0.1:{ports['gateway']}",
                    {service: f"http://127.0.0.1:{ports[service]}" for service in services}, started)
    try:
        wait_until_ready(f"{system.gateway}/readyz", started.named("gateway-web"), timeout=ready_timeout)
        if "console" in ports:
            wait_until_ready(f"http://127.0.0.1:{ports['console']}/healthz")
        if "console_live" in ports:
            wait_until_ready(f"http://127.0.0.1:{ports['console_live']}/readyz")
        yield system
    except BaseException:
        print(started.logs())
        raise
    finally:
        started.stop()


#: What runs without a database of its own: the staff console (a client of the gateway) and its live updates.
_NO_DATABASE = ("console", "console_live")


def _ports(services: list[str], processes: Sequence[tuple[str, str]]) -> dict[str, int]:
    """A free port for each service, the gateway, and the console's web and live processes when they run."""
    names = [*services, "gateway"]
    if ("console", "web") in processes:
        names.append("console")
    if ("console", "live") in processes:  # its live updates' event stream
        names.append("console_live")
    return dict(zip(names, free_ports(len(names)), strict=True))


def _system_env(var_dir: Path, database_url: Callable[[str], str], broker_url: str, upstreams: Iterable[str],
                ports: dict[str, int], env: dict[str, str] | None) -> dict[str, str]:
    """The environment every process of the system shares: the servers, a fresh secret, where each
    service listens and keeps its data, where the gateway finds it ("" for one not deployed), then `env`."""
    shared = clean_env(var_dir)
    shared.update({"CRM_BROKER_URL": broker_url, "CRM_AUTH_SECRET": uuid.uuid4().hex * 2,
                   "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD, "CRM_WEB_WORKERS": "1", "CRM_RELAY_POLL_INTERVAL": "0.05"})
    for service in upstreams:
        shared[f"CRM_{service.upper()}_URL"] = f"http://127.0.0.1:{ports[service]}" if service in ports else ""
    shared["CRM_CONSOLE_URL"] = f"http://127.0.0.1:{ports['console']}" if "console" in ports else ""
    for service, port in ports.items():
        shared[f"CRM_{service.upper()}_PORT"] = str(port)
        if service not in _NO_DATABASE:
            shared[f"CRM_{service.upper()}_DATABASE_URL"] = database_url(service)
    shared.update(env or {})
    return shared


def _start_processes(started: Processes, processes: Sequence[tuple[str, str]], var_dir: Path,
                     metrics: bool) -> None:
    """Start the services' processes, then the gateway's web process and its relays: as many as asked for,
    and at least one when anything consumes (the users consumers keep a copy of, servicekit.staff)."""
    relays = max(int(any(process == "consume" for _, process in processes)),
                 list(processes).count(("gateway", "relay")))
    gateway = [("gateway", "web"), *[("gateway", "relay")] * relays]
    seen: dict[tuple[str, str], int] = {}
    for service, process in [*((s, p) for s, p in processes if s != "gateway"), *gateway]:
        extra = {}
        if metrics:
            folder = var_dir / "metrics" / service
            folder.mkdir(parents=True, exist_ok=True)
            extra["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
        seen[service, process] = replica = seen.get((service, process), 0) + 1
        name = f"{service}-{process}" + (f"-{replica}" if replica > 1 else "")
        started.start(name, service, process, env=extra)


class Message(NamedTuple):
    """One message an integrator's queue received."""

    routing_key: str
    properties: Any
    event: dict[str, Any]


class Integrator:
    """An integrator's own durable queue on `crm.events`, read with plain pika: an independent subscriber."""

    def __init__(self, broker_url: str, queue: str, routing_keys: Sequence[str]) -> None:
        import pika

        self.connection = pika.BlockingConnection(pika.URLParameters(broker_url))
        self.channel = self.connection.channel()
        self.channel.exchange_declare("crm.events", exchange_type="topic", durable=True)
        self.queue = self.channel.queue_declare(queue, durable=True).method.queue
        for key in routing_keys:
            self.channel.queue_bind(self.queue, "crm.events", routing_key=key)

    def received(self, wanted: int, timeout: float = 30.0) -> list[Message]:
        """The messages that arrive, until `wanted` of them or the timeout."""
        messages: list[Message] = []
        deadline = time.monotonic() + timeout
        while len(messages) < wanted and time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                time.sleep(0.1)
                continue
            # pika types a received message's key and body as optional; basic_get gave a message
            messages.append(Message(method.routing_key, properties, json.loads(body)))  # type: ignore[arg-type]
        return messages

    def close(self) -> None:
        """Delete the queue and disconnect."""
        self.channel.queue_delete(self.queue)
        self.connection.close()
