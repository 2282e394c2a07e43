"""An experiment, not the product: the reporting consumer with the broker's reading in a process of its own.

The kit's consumer (servicekit.consumer) reads the broker in one thread and applies batches in another, in one
process; the interpreter runs one thread at a time, so the two share a core. This measures what splitting them
would give before anyone changes the kit: a reader process (pika, prefetch as the consumer's) hands the bodies
to this process in batches through a pipe, this process parses and applies them as the consumer does
(`apply_batch` with the reporting handler, the folder beside it) and answers each batch; the reader then
acknowledges up to the batch's last delivery, and keeps up to two batches in flight so that the next one is
read while this one is applied. Left out, since it measures speed only: a batch that fails, retries, dead
letters, a broker or database that goes away.
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from collections import deque
from multiprocessing.connection import Connection as Pipe
from typing import Any

from servicekit.consumer import apply_batch
from servicekit.db import make_engine, make_session_factory
from servicekit.events import parse_event

from bench.gateway import cpu_seconds

#: Batches handed over and not answered yet: one applied, the next read meanwhile.
IN_FLIGHT = 2


def _read(amqp_url: str, queue: str, prefetch: int, batch: int, pipe: Pipe) -> None:
    """The reader process: consume `queue`, send the bodies on `pipe` in batches, ack each batch once answered;
    stop when `pipe` says None."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    # Connected: the clock starts when told to go. (The kit consumer's clock includes its connecting, about 30 ms
    # of a run of 20,000 events: 1-2 % in the split's favour.)
    pipe.send("ready")
    pipe.recv()
    bodies: list[bytes] = []
    tags: list[int] = []

    def received(_channel: Any, method: Any, _properties: Any, body: bytes) -> None:
        bodies.append(body)
        tags.append(method.delivery_tag)

    channel.basic_consume(queue, received)
    sent: deque[int] = deque()  # the last delivery of each batch handed over, oldest first
    while True:
        if len(sent) >= IN_FLIGHT:  # nothing to do but wait for an answer (and keep the connection alive)
            pipe.poll(0.05)
            connection.process_data_events(time_limit=0)
        else:
            before = len(bodies)
            connection.process_data_events(time_limit=0.001)
            # a whole batch, or whatever came while nothing more has come for a moment
            if bodies and (len(bodies) >= batch or len(bodies) == before):
                pipe.send(bodies[:batch])
                sent.append(tags[min(batch, len(tags)) - 1])
                del bodies[:batch], tags[:batch]
        while pipe.poll():
            if pipe.recv() is None:
                connection.close()
                return
            channel.basic_ack(sent.popleft(), multiple=True)


def split_rate(database_url: str, amqp_url: str, queue: str, count: int, prefetch: int, handler, beside) -> dict:
    """Events per second for `count` queued events applied with `handler` (and `beside`), the broker read by a
    process of its own; the CPU an event of both processes (µs)."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    stop = threading.Event()
    folder = threading.Thread(target=beside, args=(sessions, stop), daemon=True)
    reader = context.Process(target=_read, args=(amqp_url, queue, prefetch, max(1, prefetch // 2), theirs),
                             daemon=True)
    reader.start()
    try:
        if not ours.poll(60) or ours.recv() != "ready":
            raise RuntimeError("the reader did not connect")
        cpu, reader_cpu, started = time.process_time(), cpu_seconds(reader.pid or 0), time.perf_counter()
        folder.start()
        ours.send("go")
        applied = 0
        while applied < count:
            if not ours.poll(60):
                raise RuntimeError(f"only {applied} of {count} applied")
            events = [parse_event(body) for body in ours.recv()]
            apply_batch(sessions, [(queue, event, handler) for event in events])
            ours.send(len(events))
            applied += len(events)
        elapsed = time.perf_counter() - started
        cpu, reader_cpu = time.process_time() - cpu, cpu_seconds(reader.pid or 0) - reader_cpu
        ours.send(None)
        reader.join(10)
    finally:
        if reader.is_alive():
            reader.terminate()
        stop.set()
        if folder.is_alive():
            folder.join(10)
        engine.dispose()
    return {"rate": count / elapsed, "cpu_us": (cpu + reader_cpu) / count * 1e6,
            "reader_cpu_us": reader_cpu / count * 1e6}
