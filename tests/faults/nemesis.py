"""The faults, injected one after another on a schedule while the workload runs, and the recovery after each:
the seconds from the fault's start until a probe customer, written through the gateway from that moment on,
reached the reporting service (a write acknowledged, relayed, consumed: the system made progress again, while the
fault is still held or after it healed)."""
from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

import httpx
import pika
from servicekit.processes import login

from .system import ALONE, QUEUES, WORKERS, Rig
from .workload import Ledger

#: How long a probe may take before the fault counts as one the system did not recover from.
RECOVERY_LIMIT = 120.0


class Nemesis:
    """Injects faults into a rig and measures the recovery after each."""

    def __init__(self, rig: Rig, ledger: Ledger, seed: int) -> None:
        self.rig, self.ledger, self.random = rig, ledger, random.Random(seed)
        self.recoveries: dict[str, list[float | None]] = defaultdict(list)
        self.log: list[str] = []
        self.poison: dict[str, str] = {}
        self.faults: list[tuple[str, Callable[[], None]]] = [
            ("worker SIGKILLed", self.kill_worker),
            ("RabbitMQ node killed", self.kill_broker_node),
            ("PostgreSQL restarted", self.restart_postgres),
            ("backends terminated", self.terminate_backends),
            ("consumer SIGSTOPped", self.stop_consumer),
            ("PostgreSQL link slow", self.slow_link),
            ("PostgreSQL connections reset", self.reset_links),
            ("PostgreSQL black hole", self.black_hole),
        ]

    def say(self, line: str) -> None:
        self.log.append(f"{time.strftime('%H:%M:%S')} {line}")
        print(self.log[-1], flush=True)

    # the faults

    def _replica(self, processes: list[tuple[str, str]]) -> str:
        service, process = self.random.choice(processes)
        return f"{service}-{process}" + ("" if (service, process) in ALONE else self.random.choice(["", "-2"]))

    def kill_worker(self) -> None:
        """SIGKILL a random relay, consumer, scanner or scheduler replica; start it again a few seconds later."""
        name = self._replica(WORKERS)
        self.rig.system.processes.named(name).kill()
        self.say(f"SIGKILL {name}")
        time.sleep(3)
        self.rig.system.processes.restart(name)

    def kill_broker_node(self) -> None:
        """Kill a random node of the cluster (its Erlang VM, SIGKILL) and start it again."""
        node = self.random.choice(self.rig.cluster.NODES)
        self.rig.cluster.kill(node)
        self.say(f"RabbitMQ node {node} killed")
        time.sleep(3)
        self.rig.cluster.start_node(node)

    def restart_postgres(self) -> None:
        self.say("PostgreSQL restarting")
        self.rig.postgres.restart(down_for=2)

    def terminate_backends(self) -> None:
        killed = self.rig.query("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                            "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")
        self.say(f"{killed[0][0]} PostgreSQL backends terminated")

    def stop_consumer(self) -> None:
        """SIGSTOP a consumer replica past its heartbeat (the broker closes its connection), then SIGCONT it."""
        name = self._replica([worker for worker in WORKERS if worker[1] == "consume"])
        process = self.rig.system.processes.named(name)
        os.kill(process.pid, signal.SIGSTOP)
        self.say(f"SIGSTOP {name}")
        try:
            time.sleep(15)
        finally:
            os.kill(process.pid, signal.SIGCONT)

    def slow_link(self) -> None:
        self.say("PostgreSQL link: 100 ms per chunk for 5 s")
        with self.rig.postgres_proxy.delay(0.1):
            time.sleep(5)

    def reset_links(self) -> None:
        self.say("PostgreSQL connections reset")
        self.rig.postgres_proxy.reset()

    def black_hole(self) -> None:
        self.say("PostgreSQL link: black hole for 4 s")
        with self.rig.postgres_proxy.black_hole():
            time.sleep(4)

    def publish_poison(self) -> None:
        """A message that is no event, published to each service queue: each must end in its dead-letter queue."""
        connection = pika.BlockingConnection(self.rig.amqp())
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            for queue in QUEUES:
                message_id = f"poison-{uuid.uuid4().hex[:8]}"
                channel.basic_publish("", queue, b"\xff not an event {", pika.BasicProperties(
                    message_id=message_id, delivery_mode=2), mandatory=True)
                self.poison[queue] = message_id
        finally:
            connection.close()
        self.say(f"poison published to {len(self.poison)} queues")

    # the schedule

    def probe(self, since: float) -> float | None:
        """Seconds from `since` until a new customer written through the gateway is in the reporting read model."""
        deadline = since + RECOVERY_LIMIT
        gateway, key, phone = self.rig.system.gateway, uuid.uuid4().hex, f"138{self.random.randrange(10**8):08d}"
        created = None
        while time.monotonic() < deadline and created is None:
            try:
                response = httpx.post(f"{gateway}/api/v1/customers", headers={**login(gateway), "Idempotency-Key": key},
                                      json={"name": "探针", "phone": phone, "kind": "prospect"}, timeout=10)
                if response.status_code == 201:
                    created = response.json()
            except (httpx.HTTPError, AssertionError):
                pass
            if created is None:
                time.sleep(0.3)
        if created is None:
            return None
        self.ledger.record("customers", created["id"], created)
        while time.monotonic() < deadline:
            try:
                if self.rig.query("reporting", "SELECT 1 FROM customers WHERE id = %s", created["id"]):
                    return time.monotonic() - since
            except Exception:  # the database may itself be the fault
                pass
            time.sleep(0.3)
        return None

    def run(self, seconds: float, pause: float = 3.0) -> None:
        """Publish the poison, then inject the faults in turn (a shuffled round, again and again) until `seconds`
        have passed, each round finished; measure the recovery after each fault (probing from its start)."""
        deadline = time.monotonic() + seconds
        self.publish_poison()
        while True:
            for name, inject in self.random.sample(self.faults, len(self.faults)):
                started = time.monotonic()
                fault = threading.Thread(target=inject)  # held (a process stopped, a node down) meanwhile
                fault.start()
                recovery = self.probe(started)
                fault.join()
                self.recoveries[name].append(recovery)
                self.say(f"{name}: " + ("no recovery" if recovery is None else f"recovered in {recovery:.1f} s"))
                time.sleep(pause)
            if time.monotonic() >= deadline:
                return
