"""Broker connections: to the configured broker (RabbitMQ, a cluster of its nodes, or the embedded bus), kept up
by one reconnect loop. The publisher with confirms is servicekit.publisher, py-amqp's socket tuning
servicekit.wire; both are importable from here too.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kombu import Connection

from servicekit.config import Settings
from servicekit.publisher import Outgoing, Publisher, PublishFailed
from servicekit.wire import frame_buffered, read_in_chunks

log = logging.getLogger(__name__)
__all__ = ["HEALTHY_AFTER", "Outgoing", "PublishFailed", "Publisher", "check_broker", "connect", "ensure_connected",
           "embedded", "filesystem_folders", "frame_buffered", "is_amqp", "read_in_chunks", "reconnecting"]


def is_amqp(url: str) -> bool:
    """True for a RabbitMQ URL (amqp:// or pyamqp://)."""
    return url.split("://", 1)[0] in ("amqp", "amqps", "pyamqp")


def filesystem_folders(var_dir: str | Path) -> dict[str, str]:
    """The embedded bus's folders under the var folder (created on first use)."""
    base = Path(var_dir) / "bus"
    folders = {"data_folder_in": base / "messages", "data_folder_out": base / "messages",
               "control_folder": base / "bindings"}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {name: str(path) for name, path in folders.items()}


def connect(settings: Settings, heartbeat: float | None = None) -> Connection:
    """A (lazy) kombu connection to the configured broker.

    CRM_BROKER_URL may name the nodes of a RabbitMQ cluster, each by its whole URL, separated by `;`
    (`amqp://u:p@node1:5672/vh;amqp://u:p@node2:5672/vh`): `ensure_connected` takes the first that
    answers, in that order. https://docs.celeryq.dev/projects/kombu/en/stable/userguide/failover.html
    """
    url = settings.broker_url
    if url.startswith("filesystem"):
        return embedded(settings.var_dir)
    if is_amqp(url):
        beat = heartbeat if heartbeat is not None else float(settings.extra.get("CRM_BROKER_HEARTBEAT", 30))
        return Connection(url, heartbeat=beat, connect_timeout=5, failover_strategy="round-robin")
    return Connection(url)


def embedded(var_dir: str | Path) -> Connection:
    """A connection to the embedded bus kept under `var_dir` (the var folder)."""
    from servicekit.embedded_bus import Transport

    options = {**filesystem_folders(var_dir), "polling_interval": 0.05, "store_processed": False}
    return Connection("filesystem://", transport=Transport, transport_options=options)


#: Seconds a connection must have lasted for its loss to count as a new outage (the wait starts again at 0.5 s):
#: without it, every loss in a long life (a broker node restarted now and then) doubled the wait, up to 30 s.
HEALTHY_AFTER = 10.0


def reconnecting(connected: Callable[[threading.Event], None], stop: threading.Event, name: str,
                 max_backoff: float = 30.0, on_lost: Callable[[], None] = lambda: None,
                 told: tuple[type[Exception], ...] = ()) -> None:
    """Run `connected(stop)` until `stop` is set: one connection's work (a consumer's loop), which returns once
    `stop` is set and raises when the connection fails. After a failure: say so, call `on_lost`, wait (0.5 s,
    doubled each time up to `max_backoff`; a connection that lasted HEALTHY_AFTER seconds, or returned, starts
    again at 0.5 s) and connect again.

    `name` says whose connection it was in the log. An exception of a type in `told` says itself what to do
    (an old queue in the way: topology.QueueMismatch): it is logged as an error, its message as it is.
    """
    backoff = 0.5
    while not stop.is_set():
        started = time.monotonic()
        try:
            connected(stop)
            backoff = 0.5
            continue
        except Exception as exc:  # broker gone: wait and reconnect
            if time.monotonic() - started > HEALTHY_AFTER:
                backoff = 0.5  # the connection had worked: this is a new outage, not the last one going on
            if isinstance(exc, told):
                log.error("%s Trying again in %.1fs.", exc, backoff)
            else:
                log.warning("%s connection lost (%s: %s); reconnecting in %.1fs", name, type(exc).__name__, exc,
                            backoff)
        on_lost()
        stop.wait(backoff)
        backoff = min(backoff * 2, max_backoff)


def ensure_connected(connection: Connection, timeout: float = 5.0) -> Connection:
    """Connect to the first node of `connection`'s URL that answers, trying each node once and then
    the first again; raise when none does within `timeout` seconds per node.

    A consumer or relay that lost its node calls this again with a new connection, so it moves to a
    live node of the cluster by itself.
    """
    nodes = max(1, len(connection.alt))
    return connection.ensure_connection(max_retries=nodes, timeout=timeout * nodes)


def check_broker(settings: Settings) -> None:
    """Raise unless the broker (one node of it) can be reached now."""
    with connect(settings, heartbeat=0) as connection:
        ensure_connected(connection, timeout=3)
