"""The live process's own queue on `crm.events`: it holds nothing that must survive, so it is never durable.

- On RabbitMQ: an exclusive, auto-deleted, server-named queue; it goes with the connection, whatever ends it.
- On the embedded bus (the filesystem transport, whose bindings are files every process shares): a queue named
  for this process, `console.live.<host>.<pid>`, removed with its bindings at stop; the leftovers of a process
  of this host that died without stopping are cleared at start.

Messages are taken without acknowledgement (nothing waits for this queue), read in a thread, and each event's
summary is handed to `deliver`; the thread reconnects with backoff when the broker goes away.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import threading
from collections.abc import Callable
from typing import Any

from kombu import Connection, Queue, binding
from kombu import Consumer as KombuConsumer
from servicekit.bus import connect, reconnecting
from servicekit.config import Settings
from servicekit.events import EXCHANGE, InvalidEvent, parse_event
from servicekit.topology import EVENTS

from console.live.visibility import BINDINGS, summary_of

log = logging.getLogger(__name__)
#: The name every embedded-bus queue of a live process starts with.
PREFIX = "console.live."


def local_queue_name(pid: int | None = None) -> str:
    """This process's queue on the embedded bus: `console.live.<host>.<pid>` (the host in letters, digits, '-')."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
    return f"{PREFIX}{host}.{os.getpid() if pid is None else pid}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_stale(channel) -> list[str]:
    """Remove the bindings and messages of queues left on the embedded bus by live processes of this host that
    are gone; returns their names. Queues of other hosts are left alone (their processes cannot be checked)."""
    mine = local_queue_name().rsplit(".", 1)[0] + "."
    stale = []
    for entry in channel.get_table(EXCHANGE):
        name = entry.queue
        pid = name[len(mine):]
        if name.startswith(mine) and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            channel._delete(name, EXCHANGE, entry.routing_key, entry.pattern)  # the binding's file entry, messages
            stale.append(name)
    return sorted(set(stale))


class LiveFeed:
    """Reads the events the screens show from this process's own queue until stopped."""

    def __init__(self, settings: Settings, deliver: Callable[[dict[str, Any]], None],
                 connected: Callable[[], None] = lambda: None,
                 make_connection: Callable[[], Connection] | None = None) -> None:
        self.settings, self.deliver, self.connected = settings, deliver, connected
        self.make_connection = make_connection or (lambda: connect(settings))
        self.ready = threading.Event()
        #: The queue's name while connected (server-named on RabbitMQ).
        self.queue_name: str | None = None

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; after a connection failure, reconnect with backoff (servicekit.bus)."""
        reconnecting(self._consume, stop, "live feed", max_backoff=15.0, on_lost=self.ready.clear)

    def _queue(self, amqp: bool) -> Queue:
        bindings = [binding(EVENTS, routing_key=key) for key in BINDINGS]
        if amqp:
            return Queue("", bindings=bindings, exclusive=True, auto_delete=True, durable=False)
        return Queue(local_queue_name(), bindings=bindings, durable=False)

    def _consume(self, stop: threading.Event) -> None:
        with self.make_connection() as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
            amqp = connection.transport.driver_type == "amqp"
            channel = connection.channel()
            EVENTS.bind(channel).declare()
            if not amqp:
                for name in clear_stale(channel):
                    log.info("removed the queue %s of a live process that is gone", name)
            queue = self._queue(amqp).bind(channel)
            queue.declare()
            self.queue_name = queue.name
            consumer = KombuConsumer(channel, queues=[queue], on_message=self._received, no_ack=True,
                                     auto_declare=False)
            consumer.consume()
            self.ready.set()
            self.connected()
            try:
                while not stop.is_set():
                    try:
                        connection.drain_events(timeout=0.5)
                    except TimeoutError:
                        pass
                    connection.heartbeat_check()
            finally:
                self.ready.clear()
                if not amqp:
                    channel.queue_delete(queue.name)  # its bindings and what it still holds
                self.queue_name = None

    def _received(self, message) -> None:
        try:
            event = parse_event(message.body)
        except InvalidEvent as exc:
            log.info("skipped a message that is not an event: %s", exc)
            return
        summary = summary_of(event.type, event.data)
        if summary is not None:
            self.deliver(summary)
