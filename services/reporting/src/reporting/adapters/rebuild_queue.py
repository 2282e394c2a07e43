"""The rebuild's queue on the bus: emptied before the replays, then consumed into the fresh copy."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from kombu import Connection, Queue
from servicekit.config import DEFAULT_PREFETCH
from servicekit.consumer import Consumer, Subscription
from sqlalchemy.orm import Session, sessionmaker

from servicekit import topology

REBUILD_QUEUE = "reporting.rebuild"


class RebuildQueue:
    """The producers' replays for a rebuild arrive on `REBUILD_QUEUE` (`python -m <producer> replay --queue …`)."""

    def __init__(self, connect: Callable[[], Connection], prefetch: int = DEFAULT_PREFETCH,
                 reader_process: bool = False) -> None:
        self.connect = connect
        self.prefetch, self.reader_process = prefetch, reader_process

    def empty(self) -> None:
        """Declare the queue and drop anything an earlier attempt left on it."""
        with self.connect() as connection:
            channel = connection.default_channel
            queue = Queue(REBUILD_QUEUE, durable=True, queue_arguments=topology.queue_arguments(
                REBUILD_QUEUE, connection.transport.driver_type == "amqp")).bind(channel)
            queue.declare()
            queue.purge()

    @contextmanager
    def consumed(self, sessions: sessionmaker[Session], handler: Callable) -> Iterator[None]:
        """While the block runs, a consumer applies the queue's events with `handler` in `sessions`."""
        consumer = Consumer(sessions, [Subscription(REBUILD_QUEUE, (), handler)], self.connect, prefetch=self.prefetch,
                            reader_process=self.reader_process)
        stop = threading.Event()
        thread = threading.Thread(target=consumer.run, args=(stop,), name="rebuild-consumer", daemon=True)
        thread.start()
        consumer.ready.wait(30)
        try:
            yield
        finally:
            stop.set()
            thread.join(30)
