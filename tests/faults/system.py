"""The system under test: a private PostgreSQL server (one database per service) behind a fault proxy, the
private 3-node RabbitMQ cluster, the webhook receiver, and every process with two replicas of each worker."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.private_postgres import PrivatePostgres
from servicekit.processes import System, running_system
from servicekit.testing import PrivateCluster, TcpProxy, free_cluster_port

from servicekit import topology

WEB = [("customer", "web"), ("complaint", "web"), ("reminder", "web"), ("reporting", "web")]
#: The workers the faults take down: every relay, consumer, scanner and scheduler, each twice but those that run
#: alone in production too.
WORKERS = [("customer", "relay"), ("customer", "consume"), ("complaint", "relay"), ("complaint", "consume"),
           ("complaint", "scan"), ("reminder", "relay"), ("reminder", "consume"), ("reminder", "schedule"),
           ("reporting", "consume"), ("gateway", "relay")]
#: Consumers that apply a customer's events in their order: one each (docs/deployment.md).
ALONE = [("complaint", "consume"), ("reminder", "consume"), ("reporting", "consume")]
PROCESSES = [*WEB, *WORKERS, *(worker for worker in WORKERS if worker not in ALONE)]
DATABASES = ("customer", "complaint", "reminder", "reporting", "gateway")


def consumer_queues() -> dict[str, tuple[str, ...]]:
    """{queue: event types bound to it} of every service that runs a consumer here, as each declares its own
    (servicekit.topology.installed_queues). A consumer whose service declared none would be passed over by the
    checks without a word, so that stops the run."""
    declared = topology.installed_queues()
    consuming = {service for service, process in WORKERS if process == "consume"}
    if consuming - set(declared):
        raise RuntimeError(f"no queues declared by {sorted(consuming - set(declared))}: is every service installed "
                           f"(pip install -e, which registers its entry point 'servicekit.queues')?")
    return topology.every_queue({service: declared[service] for service in sorted(consuming)})


#: Every queue the consumers read.
QUEUES = consumer_queues()
#: Fast schedulers and heartbeats, so that a run of a few minutes sees many passes and a stopped consumer is
#: noticed by the broker within seconds.
SETTINGS = {"CRM_REMINDER_SCHEDULER_INTERVAL": "0.5", "CRM_COMPLAINT_SCAN_INTERVAL": "1",
            "CRM_BROKER_HEARTBEAT": "4", "CRM_REMINDER_NOTIFY_BACKOFF": "1",
            "CRM_REMINDER_NOTIFY_MAX_ATTEMPTS": "100", "CRM_REMINDER_SEND_TIMEOUT": "5",
            "CRM_RATE_LIMIT": "1000000/minute", "CRM_TOKEN_RATE_LIMIT": "100000/minute",
            "CRM_DB_RETRIES": "5"}


class WebhookReceiver:
    """A receiver of the reminder service's webhook notifications, counting deliveries by delivery id."""

    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with receiver.lock:
                    receiver.deliveries[self.headers.get("X-Guanxi-Delivery") or body["notification_id"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def counts(self) -> Counter[str]:
        """The deliveries received so far, by delivery id."""
        with self.lock:
            return Counter(self.deliveries)

    def close(self) -> None:
        self.server.shutdown()


@dataclass
class Rig:
    """Everything a run works on: the running system, the servers behind it and the fault proxy."""

    system: System
    postgres: PrivatePostgres
    postgres_proxy: TcpProxy
    cluster: PrivateCluster
    receiver: WebhookReceiver

    def database(self, service: str) -> str:
        """The psycopg URL of a service's database, straight to the server (not through the proxy)."""
        return f"postgresql://postgres@127.0.0.1:{self.postgres.port}/{service}"

    def amqp(self, node: int = 1):
        """pika's connection parameters for a node of the cluster (the `/` virtual host)."""
        import pika

        return pika.URLParameters(self.cluster.node_url(node).rstrip("/") + "/%2F")

    def await_consumers(self, timeout: float = 300) -> None:
        """Wait until every service queue exists and every replica of its consumer reads it: what is published
        before a queue is declared reaches nobody (on a live system the queues are there already)."""
        import pika

        declared = topology.installed_queues()
        alone = {queue for service, _ in ALONE for queue in declared[service]}
        deadline = time.monotonic() + timeout
        with pika.BlockingConnection(self.amqp()) as connection:
            for queue in QUEUES:
                replicas = 1 if queue in alone else 2
                while True:
                    channel = connection.channel()
                    try:
                        if channel.queue_declare(queue, passive=True).method.consumer_count >= replicas:
                            channel.close()
                            break
                        channel.close()
                    except pika.exceptions.ChannelClosedByBroker:  # 404: not declared yet
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{queue}: not read by {replicas} consumers after {timeout:.0f} s")
                    time.sleep(0.5)

    def query(self, service: str, sql: str, *params) -> list[tuple]:
        """The rows of a query on a service's database (or `postgres`), on a connection of its own."""
        with psycopg.connect(self.database(service), connect_timeout=10) as connection:
            return connection.execute(sql, params).fetchall()


@contextmanager
def booted(folder: Path) -> Iterator[Rig]:
    """Start the servers and the whole system in `folder`; stop and remove everything at the end."""
    postgres = PrivatePostgres().start()  # a folder of its own, which its server user may enter
    cluster = PrivateCluster(folder / "rabbitmq", free_cluster_port())
    proxy = receiver = None
    try:
        with psycopg.connect(postgres.url.replace("+psycopg", ""), autocommit=True) as admin:
            for name in DATABASES:
                admin.execute(f'CREATE DATABASE "{name}"')
        cluster.start()
        proxy = TcpProxy("127.0.0.1", postgres.port)
        receiver = WebhookReceiver()
        (folder / "logs").mkdir(exist_ok=True)
        urls = {name: f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{name}" for name in DATABASES}
        with running_system(folder / "logs", urls.__getitem__, cluster.url(), PROCESSES, DEFAULT_UPSTREAMS,
                            env={**SETTINGS, "CRM_REMINDER_WEBHOOK_URL": receiver.url}, ready_timeout=300) as system:
            yield Rig(system, postgres, proxy, cluster, receiver)
    finally:
        if receiver is not None:
            receiver.close()
        if proxy is not None:
            proxy.close()
        cluster.stop()
        if (folder / "logs").exists():  # the server's own log, beside the processes' (kept after a failed run)
            (folder / "logs" / "postgresql.log").write_text(postgres.log())
        postgres.remove()
