"""Prometheus metrics: RED per route and the event bus, correct with several processes.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn workers, relay and consumer of one service share it),
/metrics adds up every process of the service. https://prometheus.github.io/client_python/multiprocess/
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests by route template and status.",
                        ["service", "method", "route", "status"])
HTTP_DURATION = Histogram("http_request_duration_seconds", "HTTP request duration by route template.",
                          ["service", "method", "route"])
EVENTS_PUBLISHED = Counter("events_published_total", "Events published and confirmed by the broker.",
                           ["service", "type"])
EVENTS_CONSUMED = Counter("events_consumed_total", "Deliveries handled, by outcome "
                          "(applied, duplicate, retried, dead_lettered).", ["queue", "outcome"])
EVENTS_REDELIVERED = Counter("events_redelivered_total", "Deliveries the broker marked redelivered.",
                             ["queue"])
EVENTS_DUPLICATES = Counter("events_duplicates_skipped_total", "Events skipped as already applied.",
                            ["queue"])
EVENTS_DEAD_LETTERED = Counter("events_dead_lettered_total", "Events sent to the dead-letter queue.",
                               ["queue"])
HANDLER_DURATION = Histogram("event_handler_duration_seconds", "Time to apply one event.", ["queue"])
RELAY_ERRORS = Counter("outbox_relay_errors_total", "Relay rounds that failed (broker or database).",
                       ["service"])


def outbox_gauges(service: str, backlog: int, age: float) -> list[GaugeMetricFamily]:
    """The outbox's backlog size and the age of its oldest pending event, as /metrics shows them (read at
    scrape time, so any process of the service reports the truth)."""
    size = GaugeMetricFamily("outbox_backlog", "Events written but not yet published.", labels=["service"])
    size.add_metric([service], backlog)
    oldest = GaugeMetricFamily("outbox_oldest_age_seconds", "Age of the oldest unpublished event.",
                               labels=["service"])
    oldest.add_metric([service], age)
    return [size, oldest]


class ScrapedCollector:
    """Metrics read at scrape time (from the service's own tables, say: the outbox's gauges)."""

    def __init__(self, read: Callable[[], Iterable[Metric]]) -> None:
        self.read = read

    def collect(self) -> Iterable[Metric]:
        return list(self.read())


def render(extra_collectors: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The Prometheus exposition of this service (all its processes when multiprocess)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY
        registry = REGISTRY if not extra_collectors else _with_extra(REGISTRY)
    for collector in extra_collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def _with_extra(base: CollectorRegistry) -> CollectorRegistry:
    """A scrape-local registry that includes `base` (so extra collectors are not registered twice)."""
    registry = CollectorRegistry()

    class _Base(Collector):
        def collect(self):
            return base.collect()

    registry.register(_Base())
    return registry


class Timer:
    """`with Timer() as t: …; t.seconds`."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start
