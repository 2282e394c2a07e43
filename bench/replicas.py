"""An experiment, not the product: the reporting consumer as several replicas sharing one queue.

Each replica is a process of its own running the kit's consumer (servicekit.consumer.Consumer) with the deployed
subscription's handler and the folder beside it, as `python -m reporting consume` does; the replicas share the
queue, and the read model's writers take turns (reporting.adapters.record_queries.lock_read_model). The clock
starts when every replica has been built and is told to connect, and stops when the inbox holds every event.
It shows why the reporting consumer runs alone (docs/deployment.md): faster, but a customer's events applied
out of their order leave other figures (bench.reports counts them).
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from multiprocessing.synchronize import Event as ProcessEvent

from kombu import Connection
from servicekit.consumer import Consumer, Subscription
from servicekit.db import make_engine, make_session_factory

from bench.bus import until_applied
from bench.gateway import cpu_seconds


def _replica(database_url: str, amqp_url: str, queue: str, routing_key: str, prefetch: int, built: ProcessEvent,
             go: ProcessEvent, stop: ProcessEvent) -> None:
    """One replica: built, then told to go, consuming until told to stop."""
    from reporting.entrypoints.consumer import subscriptions

    deployed = subscriptions()[0]
    consumer = Consumer(make_session_factory(make_engine(database_url)),
                        [Subscription(queue, (routing_key,), deployed.handler, beside=deployed.beside)],
                        lambda: Connection(amqp_url), prefetch=prefetch)
    built.set()
    go.wait()
    stopping = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stopping,), daemon=True)
    thread.start()
    stop.wait()
    stopping.set()
    thread.join(30)


def replicas_rate(database_url: str, amqp_url: str, queue: str, routing_key: str, count: int, prefetch: int,
                  replicas: int, timeout: float = 3600) -> dict:
    """Events per second for `replicas` consumer processes applying `count` events queued on `queue`, and the
    CPU an event of all of them together (µs)."""
    context = multiprocessing.get_context("spawn")
    go, stop = context.Event(), context.Event()
    built = [context.Event() for _ in range(replicas)]
    processes = [context.Process(target=_replica, daemon=True,
                                 args=(database_url, amqp_url, queue, routing_key, prefetch, ready, go, stop))
                 for ready in built]
    for process in processes:
        process.start()
    engine = make_engine(database_url)
    try:
        for ready in built:
            if not ready.wait(120):
                raise RuntimeError("a replica did not start")
        cpu = sum(cpu_seconds(process.pid or 0) for process in processes)
        started = time.perf_counter()
        go.set()
        elapsed = until_applied(engine, count, started, timeout)
        cpu = sum(cpu_seconds(process.pid or 0) for process in processes) - cpu
    finally:
        stop.set()
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.terminate()
        engine.dispose()
    return {"rate": count / elapsed, "cpu_us": cpu / count * 1e6}
