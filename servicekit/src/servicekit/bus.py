"""Broker connections and a publisher with publisher confirms.

On AMQP the publisher keeps many confirms in flight (pipelined) and waits for all of them, instead of
one round trip per message. https://www.rabbitmq.com/docs/confirms#publisher-confirms
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import amqp
from kombu import Connection, Producer

from servicekit.config import Settings
from servicekit.events import CONTENT_TYPE

log = logging.getLogger(__name__)


class PublishFailed(RuntimeError):
    """The broker did not confirm every message of a batch."""


@dataclass(frozen=True)
class Outgoing:
    """One message to publish."""

    exchange: str
    routing_key: str
    body: str
    message_id: str
    headers: dict = field(default_factory=dict)
    expiration_ms: int | None = None


def is_amqp(url: str) -> bool:
    """True for a RabbitMQ URL (amqp:// or pyamqp://)."""
    return url.split("://", 1)[0] in ("amqp", "amqps", "pyamqp")


def filesystem_folders(settings: Settings) -> dict[str, str]:
    """The embedded bus's folders under the var folder (created on first use)."""
    base = Path(settings.var_dir) / "bus"
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
        options = {**filesystem_folders(settings), "polling_interval": 0.05, "store_processed": False}
        from servicekit.embedded_bus import Transport
        return Connection("filesystem://", transport=Transport, transport_options=options)
    if is_amqp(url):
        beat = heartbeat if heartbeat is not None else float(settings.extra.get("CRM_BROKER_HEARTBEAT", 30))
        return Connection(url, heartbeat=beat, connect_timeout=5, failover_strategy="round-robin")
    return Connection(url)


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


class Publisher:
    """Publishes batches persistent and confirmed; raises PublishFailed unless every message is confirmed."""

    def __init__(self, connection: Connection, confirm_timeout: float = 30.0) -> None:
        self.connection = connection
        self.confirm_timeout = confirm_timeout
        self._channel = None
        self._sequence = 0
        self._pending: set[int] = set()
        self._in_order: deque[int] = deque()  # the tags sent, oldest first (some already settled)
        self._nacked = False

    def _amqp_channel(self):
        if self._channel is None:
            channel = self.connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            self._channel, self._sequence, self._pending, self._in_order = channel, 0, set(), deque()
            self._nacked = False
        return self._channel

    def _settle(self, tag: int, multiple: bool) -> None:
        if multiple:
            self._pending = {pending for pending in self._pending if pending > tag}
        else:
            self._pending.discard(tag)

    def _oldest_pending(self) -> int | None:
        while self._in_order and self._in_order[0] not in self._pending:
            self._in_order.popleft()
        return self._in_order[0] if self._in_order else None

    def _on_ack(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple)

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._nacked = True
        self._settle(tag, multiple)

    def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish all `messages` and return once the broker has confirmed every one."""
        self.send(messages)
        self.wait_for_confirms()

    def send(self, messages: Sequence[Outgoing]) -> int:
        """Put `messages` on the wire without waiting; `wait_for_confirms` then waits for the broker.

        Other work (the relay marks the rows published in its open transaction) can happen in between,
        while the broker writes the messages to disk. Returns the sequence number of the last message,
        for `wait_for_confirms(up_to=…)`.
        """
        if self.connection.transport.driver_type != "amqp":
            self._publish_kombu(messages)
            return self._sequence
        channel = self._amqp_channel()
        try:
            with _coalesced_writes(self.connection):
                for message in messages:
                    properties = {"content_type": CONTENT_TYPE, "content_encoding": "utf-8", "delivery_mode": 2,
                                  "message_id": message.message_id}
                    if message.headers:
                        properties["application_headers"] = message.headers
                    if message.expiration_ms is not None:
                        properties["expiration"] = str(message.expiration_ms)
                    channel.basic_publish(amqp.Message(message.body.encode(), **properties),
                                          exchange=message.exchange, routing_key=message.routing_key)
                    self._sequence += 1
                    self._pending.add(self._sequence)
                    self._in_order.append(self._sequence)
        except BaseException:
            self.reset()
            raise
        return self._sequence

    def wait_for_confirms(self, up_to: int | None = None) -> None:
        """Return once every message sent (up to sequence number `up_to`) is confirmed.

        Raises PublishFailed if the broker refused one or did not answer within the confirm timeout.
        """
        try:
            deadline = time.monotonic() + self.confirm_timeout
            while (oldest := self._oldest_pending()) is not None and (up_to is None or oldest <= up_to):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishFailed(f"{len(self._pending)} messages not confirmed in time")
                try:
                    self.connection.drain_events(timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue
        except BaseException:
            self.reset()
            raise
        if self._nacked:
            self.reset()
            raise PublishFailed("the broker refused (nacked) a message")

    def _publish_kombu(self, messages: Sequence[Outgoing]) -> None:
        producer = Producer(self.connection.default_channel)
        for message in messages:
            producer.publish(message.body, exchange=message.exchange, routing_key=message.routing_key,
                             content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                             message_id=message.message_id, headers=message.headers, retry=False)

    def reset(self) -> None:
        """Forget the channel (after an error); the next publish opens a new one."""
        channel, self._channel = self._channel, None
        self._pending, self._in_order = set(), deque()
        if channel is not None:
            try:
                channel.close()
            except Exception:  # the channel may already be gone with the connection
                pass


@contextlib.contextmanager
def _coalesced_writes(connection: Connection, flush_at: int = 1 << 20) -> Iterator[None]:
    """Gather the frames of many publishes and write them with one system call (per MiB).

    py-amqp writes every message to the socket on its own; for a batch that is hundreds of system
    calls the broker does not need. This swaps the transport's raw write for a buffer while the
    block runs. If py-amqp's internals ever differ, it simply writes as before.
    """
    transport: Any = getattr(connection.connection, "transport", None)
    write = getattr(transport, "_write", None)
    if write is None:
        yield
        return
    buffer = bytearray()

    def gather(data) -> None:
        buffer.extend(data)  # copies: py-amqp reuses the memory it hands over
        if len(buffer) >= flush_at:
            write(bytes(buffer))
            buffer.clear()

    transport._write = gather
    try:
        yield
    finally:
        transport._write = write
        if buffer:
            write(bytes(buffer))


def read_in_chunks(connection: Connection, chunk: int = 16384) -> None:
    """Make py-amqp read the socket in chunks rather than frame part by frame part.

    py-amqp asks the socket for exactly the bytes of the next frame part: about nine system calls per
    message. Its reader already keeps surplus bytes for the next read, so asking for a chunk instead
    is safe on a plain TCP transport; any other transport is left as it is.
    """
    from amqp.transport import TCPTransport

    transport = getattr(connection.connection, "transport", None)
    if isinstance(transport, TCPTransport) and hasattr(transport, "_read_buffer"):
        recv = transport.sock.recv
        transport._quick_recv = lambda size: recv(max(size, chunk))


def frame_buffered(connection: Connection) -> bool:
    """True when a whole AMQP frame already sits in py-amqp's read buffer (see `read_in_chunks`).

    Reading it then needs no wait, so the caller can skip the socket timeout that py-amqp would set
    and reset around every read (two system calls per frame).
    """
    transport = getattr(connection.connection, "transport", None)
    buffer = getattr(transport, "_read_buffer", b"")
    if len(buffer) < 7:
        return False
    size = int.from_bytes(buffer[3:7], "big")  # type (1 octet), channel (2), size (4), payload, frame-end (1)
    return len(buffer) >= 7 + size + 1
