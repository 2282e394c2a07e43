"""The consumer base: apply each event once, ack only after commit, retry, then dead-letter.

- The event id goes into the inbox in the same transaction as the handler's effect, so a second
  delivery of the same event is skipped (servicekit.inbox).
- A failing delivery is re-published to `<queue>.retry` (it comes back after the delay) up to
  `max_retries` times, then to `<queue>.dlq`; the original is acked only after that publish is
  confirmed, so nothing is dropped and nothing blocks the queue (servicekit.redelivery).
- A delivery that fails because the database is away (servicekit.db_outages) is applied again in place until
  it is back (for up to `outage_wait` seconds), without spending one of its tries.
- The handler runs in a worker thread while this thread keeps the connection alive (heartbeats).
- `reader_process`: the broker is read by a child process (servicekit.reader_process) instead of this thread,
  so that reading and applying use two cores; this connection then only declares and publishes.
- Deliveries already received (up to the prefetch count) are applied in one transaction; if that
  batch fails, its events are applied one by one, so one bad event never holds back the others.
- A subscription's `beside` work (a read model folding what its handler appended) runs in a thread of its
  own for as long as the consumer runs; it sees whether the consumer is behind (`behind`), and may wait then.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from kombu import Connection
from kombu import Consumer as KombuConsumer
from sqlalchemy.orm import Session, sessionmaker

from servicekit import db_outages, metrics, redelivery, topology
from servicekit.bus import ensure_connected, reconnecting
from servicekit.events import Event, InvalidEvent, parse_event
from servicekit.inbox import Handler, apply_batch, apply_once
from servicekit.publisher import Publisher
from servicekit.reader_process import BrokerReader, Received
from servicekit.redelivery import ERROR_HEADER, RETRIES_HEADER
from servicekit.wire import read_buffered, read_in_chunks

log = logging.getLogger(__name__)
#: How many objects a consumer's process allocates (net) between two collections of cyclic garbage (Python's
#: default: 700). Applying a batch allocates hundreds of thousands (rows, events, the tallies' keys) that
#: reference counting frees, and every 700 the collector walked the young ones, every 70,000 all of them: a
#: quarter of the reporting consumer's CPU (docs/benchmarks.md). The older generations keep their defaults.
GC_THRESHOLD = 10_000
__all__ = ["ERROR_HEADER", "RETRIES_HEADER", "Consumer", "Handler", "Subscription", "apply_batch", "apply_once"]


@dataclass(frozen=True)
class Subscription:
    """A handler and the queue (bound to these event types) that feeds it."""

    queue: str
    routing_keys: tuple[str, ...]
    handler: Handler
    #: Work that goes on beside applying the events, called with the consumer's sessions, an event set when the
    #: consumer stops (it returns then), and one set while the consumer is behind (from a full batch, or one that
    #: left deliveries waiting, until nothing waits); it must outlive its own failures (a database away, say).
    beside: Callable[[sessionmaker[Session], threading.Event, threading.Event], None] | None = None


class Consumer:
    """Consumes a service's subscriptions until stopped, reconnecting after broker restarts."""

    def __init__(self, sessions: sessionmaker[Session], subscriptions: list[Subscription],
                 connect: Callable[[], Connection], max_retries: int = 3, retry_delay: float = 2.0,
                 prefetch: int = 1, batch_size: int | None = None, outage_wait: float = 300.0,
                 reader_process: bool = False) -> None:
        self.sessions, self.subscriptions, self.connect = sessions, subscriptions, connect
        self.reader_process = reader_process
        self._reader: BrokerReader | None = None
        self.outage_wait = outage_wait
        self.max_retries, self.retry_delay, self.prefetch = max_retries, retry_delay, prefetch
        # Half the prefetch: the next batch arrives while this one is being applied.
        self.batch_size = batch_size or max(1, prefetch // 2)
        self._received: deque[tuple[Subscription, Received]] = deque()
        self._applying = 0  # deliveries of the batch being applied (unacknowledged)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handler")
        self.ready = threading.Event()
        #: Set from a full batch, or one that left deliveries waiting (a backlog), until nothing waits to be applied.
        self.behind = threading.Event()

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; after a connection failure, reconnect with backoff (an old queue in the
        way: say what to do, try again later). The process collects cyclic garbage less often from then on
        (GC_THRESHOLD)."""
        youngest, older, oldest = gc.get_threshold()
        gc.set_threshold(max(GC_THRESHOLD, youngest), older, oldest)
        ending = threading.Event()
        beside = [threading.Thread(target=sub.beside, args=(self.sessions, ending, self.behind),
                                   name=f"beside {sub.queue}", daemon=True)
                  for sub in self.subscriptions if sub.beside is not None]
        for thread in beside:
            thread.start()
        try:
            reconnecting(self._consume, stop, "consumer", on_lost=self.ready.clear, told=(topology.QueueMismatch,))
        finally:
            self._executor.shutdown(wait=True)
            ending.set()
            for thread in beside:
                thread.join(timeout=30)

    def _consume(self, stop: threading.Event) -> None:
        with self.connect() as connection:
            ensure_connected(connection)
            amqp = connection.transport.driver_type == "amqp"
            if amqp:
                read_in_chunks(connection)
            channel = connection.channel()
            if amqp:
                channel.auto_decode = False  # bodies as bytes, read as they are (servicekit.events.loads)
            for sub in self.subscriptions:
                topology.declare(channel, sub.queue, sub.routing_keys, amqp=amqp)
            publisher = Publisher(connection)
            self._received.clear()
            if amqp and self.reader_process:
                with BrokerReader(connection, [sub.queue for sub in self.subscriptions], self.prefetch) as reader:
                    reader.start(lambda deliveries: self._received.extend(
                        (self.subscriptions[delivery.queue], delivery) for delivery in deliveries), stop)
                    self._reader = reader
                    try:
                        self._loop(connection, publisher, amqp, stop)
                    finally:
                        self._reader = None
                return
            channel.basic_qos(0, self.prefetch, False)
            consumers = [KombuConsumer(channel, queues=[topology.queues_for(sub.queue, sub.routing_keys, amqp)[0]],
                                       on_message=lambda message, sub=sub: self._received.append((sub, message)),
                                       no_ack=False, auto_declare=False)
                         for sub in self.subscriptions]
            for consumer in consumers:
                consumer.consume()
            try:
                self._loop(connection, publisher, amqp, stop)
            finally:
                for consumer in consumers:
                    try:
                        consumer.cancel()
                    except Exception:  # the channel may be gone already
                        pass

    def _loop(self, connection: Connection, publisher: Publisher, amqp: bool, stop: threading.Event) -> None:
        """Apply the deliveries in batches as they come, until `stop` is set."""
        self.ready.set()
        try:
            while not stop.is_set():
                if self._received:
                    batch = [self._received.popleft() for _ in range(min(self.batch_size, len(self._received)))]
                    if len(batch) == self.batch_size or self._received:
                        self.behind.set()
                    self._applying = len(batch)
                    try:
                        self._process_batch(connection, publisher, amqp, batch)
                    finally:
                        self._applying = 0
                    continue
                self.behind.clear()
                self._pump(connection, timeout=0.5)
        finally:
            self.ready.clear()
            self.behind.clear()

    def _pump(self, connection: Connection, timeout: float) -> None:
        """Take the deliveries already read, or else read from the broker for up to `timeout` seconds; then,
        while it may send more (fewer than the prefetch count unacknowledged), whatever else is there. (With a
        reader process, whose thread puts what comes in `_received`: wait up to `timeout` for it; then this
        connection's heartbeats.)"""
        if self._reader is not None:
            self._reader.wait(timeout)
            self._keep_alive(connection)
            return
        try:
            if not read_buffered(connection):
                connection.drain_events(timeout=timeout)
            while self._unacked() < self.prefetch:
                if not read_buffered(connection):
                    connection.drain_events(timeout=0.001)
        except TimeoutError:
            pass
        connection.heartbeat_check()

    @staticmethod
    def _keep_alive(connection: Connection) -> None:
        """Read what the broker sent (heartbeats, a close) and send heartbeats: a connection that only declares
        and publishes, its deliveries read by a reader process."""
        try:
            if not read_buffered(connection):
                connection.drain_events(timeout=0.0001)
        except TimeoutError:
            pass
        connection.heartbeat_check()

    def _unacked(self) -> int:
        """Deliveries received and not yet acknowledged: the broker sends more only below the prefetch count."""
        return len(self._received) + self._applying

    def _wait(self, connection: Connection, future: Future) -> None:
        """Keep the connection alive (frames read, heartbeats sent) while the handler runs: taking in the next
        deliveries meanwhile, polling the socket briefly while the broker may send more, else every 50 ms. (With a
        reader process, deliveries come meanwhile by themselves: only this connection's heartbeats, twice a
        second.)"""
        while not future.done():
            if self._reader is not None:
                if not wait([future], timeout=0.5).done:
                    self._keep_alive(connection)
                continue
            if self._unacked() < self.prefetch:
                self._pump(connection, timeout=0.002)
            else:  # only heartbeats (or a close) can come: read them every 50 ms
                wait([future], timeout=0.05)
                if not future.done():
                    self._pump(connection, timeout=0.001)

    def _process_batch(self, connection: Connection, publisher: Publisher, amqp: bool,
                       batch: list[tuple[Subscription, Received]]) -> None:
        """Apply a batch in one transaction; if that fails, apply its messages one by one."""
        if len(batch) == 1:
            self._process(connection, publisher, amqp, *batch[0])
            return
        parsed = []
        for sub, message in batch:
            try:
                parsed.append((sub, message, parse_event(message.body)))
            except InvalidEvent as exc:
                redelivery.dead_letter(publisher, sub.queue, message, f"invalid event: {exc}")
        with metrics.Timer() as timer:
            future = self._executor.submit(apply_batch, self.sessions,
                                           [(sub.queue, event, sub.handler) for sub, _, event in parsed])
            self._wait(connection, future)
        if future.exception() is not None:
            log.info("a batch of %d failed (%s); applying its events one by one", len(parsed), future.exception())
            for sub, message, _ in parsed:
                self._process(connection, publisher, amqp, sub, message)
            return
        counts: Counter[tuple[str, str]] = Counter()
        for (sub, message, _), outcome in zip(parsed, future.result(), strict=True):
            counts[sub.queue, outcome] += 1
            if message.delivery_info.get("redelivered"):
                counts[sub.queue, "redelivered"] += 1
            if not amqp:
                message.ack()
        self._count_batch(counts, timer.seconds / len(parsed))
        if amqp and parsed:
            # One ack for the whole batch: it is a prefix of the channel's deliveries, so every tag up to
            # the last one is either in it or already settled.
            last = max((message for _, message, _ in parsed), key=lambda message: message.delivery_tag)
            last.channel.basic_ack(last.delivery_tag, multiple=True)

    @staticmethod
    def _count_batch(counts: Counter[tuple[str, str]], seconds_per_event: float) -> None:
        """Metrics for a batch, one call per queue and outcome rather than per event."""
        for (queue, outcome), count in counts.items():
            if outcome == "redelivered":
                metrics.EVENTS_REDELIVERED.labels(queue).inc(count)
                continue
            metrics.EVENTS_CONSUMED.labels(queue, outcome).inc(count)
            if outcome == "duplicate":
                metrics.EVENTS_DUPLICATES.labels(queue).inc(count)
            duration = metrics.HANDLER_DURATION.labels(queue)
            for _ in range(count):
                duration.observe(seconds_per_event)

    def _process(self, connection: Connection, publisher: Publisher, amqp: bool,
                 sub: Subscription, message: Received) -> None:
        queue = sub.queue
        if message.delivery_info.get("redelivered"):
            metrics.EVENTS_REDELIVERED.labels(queue).inc()
        try:
            event = parse_event(message.body)
        except InvalidEvent as exc:
            redelivery.dead_letter(publisher, sub.queue, message, f"invalid event: {exc}")
            return
        with metrics.Timer() as timer:
            future = self._apply_riding_out_outages(connection, queue, event, sub.handler)
        metrics.HANDLER_DURATION.labels(queue).observe(timer.seconds)
        error = future.exception()
        if error is None:
            outcome = future.result()
            if outcome == "duplicate":
                metrics.EVENTS_DUPLICATES.labels(queue).inc()
            metrics.EVENTS_CONSUMED.labels(queue, outcome).inc()
            message.ack()
            return
        retries = redelivery.tries(message)
        reason = f"{type(error).__name__}: {error}"
        if retries >= self.max_retries:
            log.error("event %s failed %d times on %s; dead-lettering (%s)", event.id, retries + 1, queue, reason)
            redelivery.dead_letter(publisher, queue, message, reason)
            return
        log.warning("event %s failed on %s (%s); retry %d of %d", event.id, queue, reason,
                    retries + 1, self.max_retries)
        redelivery.retry(publisher, queue, message, event.id, reason, self.retry_delay, amqp)

    def _apply_riding_out_outages(self, connection: Connection, queue: str, event: Event,
                                  handler: Handler) -> Future:
        """Apply one event; while the database is away (restarting, failing over, a conflict it rolled back),
        wait and apply it again, the delivery held unacknowledged, for up to `outage_wait` seconds: an outage
        spends none of the event's tries and never sends it to the dead-letter queue."""
        deadline, attempt = time.monotonic() + self.outage_wait, 0
        while True:
            future = self._executor.submit(apply_once, self.sessions, queue, event, handler)
            self._wait(connection, future)
            error = future.exception()
            if error is None or not db_outages.transient(error) or time.monotonic() > deadline:
                return future
            attempt += 1
            log.warning("database unavailable while applying %s on %s (%s); trying again", event.id, queue,
                        type(error).__name__)
            pause = self._executor.submit(time.sleep, db_outages.backoff(attempt, first=0.2))
            self._wait(connection, pause)
