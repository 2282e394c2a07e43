"""Pooled HTTP clients to the services, one per service and per process.

Clients are made on first use in each process: gunicorn forks its workers after the app is built,
and a connection pool must never be shared across a fork.
"""
from __future__ import annotations

import os
import threading

import httpx
from prometheus_client import Counter, Histogram

from gateway.config import GatewayConfig

#: Seconds a pooled connection may sit idle before the gateway drops it. It must be shorter than the services'
#: own keep-alive timeout (gunicorn's default, 2 s): a connection the service closes at the very moment the
#: gateway reuses it fails the request with a reset, which the client would see as a 502.
KEEPALIVE_EXPIRY = 1.0
UPSTREAM_DURATION = Histogram("gateway_upstream_duration_seconds",
                              "Time until a service's response headers arrive, by service.", ["service"])
UPSTREAM_FAILURES = Counter("gateway_upstream_failures_total",
                            "Calls to a service that got no response, by reason.", ["service", "reason"])


class Upstreams:
    """The configured services and an httpx.Client for each."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._clients: dict[str, httpx.Client] = {}

    @property
    def services(self) -> dict[str, str]:
        """Service name -> base URL, for every configured service."""
        return self.config.upstreams

    def client(self, service: str) -> httpx.Client:
        """The pooled client of `service` (which must be configured)."""
        with self._lock:
            if self._pid != os.getpid():
                self._clients, self._pid = {}, os.getpid()
            client = self._clients.get(service)
            if client is None:
                client = httpx.Client(
                    base_url=self.config.upstreams[service],
                    timeout=httpx.Timeout(self.config.upstream_timeout, connect=self.config.connect_timeout,
                                          pool=self.config.connect_timeout),
                    limits=httpx.Limits(max_connections=200, max_keepalive_connections=50,
                                        keepalive_expiry=KEEPALIVE_EXPIRY),
                    follow_redirects=False,
                    trust_env=False,  # a proxy set for outbound traffic must not sit between gateway and services
                    headers={"Accept-Encoding": "identity"},  # bodies pass through byte for byte
                )
                self._clients[service] = client
            return client

    def close(self) -> None:
        """Close every pooled connection of this process."""
        with self._lock:
            clients, self._clients = self._clients, {}
        for client in clients.values():
            client.close()
