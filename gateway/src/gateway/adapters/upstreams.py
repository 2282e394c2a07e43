"""Pooled HTTP connections to the services (urllib3), one pool per service and per process.

Pools are made on first use in each process: gunicorn forks its workers after the app is built,
and a connection pool must never be shared across a fork.

urllib3's pools rather than a higher-level client because the gateway proxies every API call: it sends a prepared
path and a few headers and streams the answer back, and needs neither cookies (a shared cookie jar would even
replay one user's Set-Cookie to every other user), redirects nor URL merging, which cost about half of the
gateway's CPU per proxied request. The exchange on a pooled connection is gateway.adapters.plain_http's.
"""
from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

import urllib3
from prometheus_client import Counter, Histogram

from gateway.adapters.plain_http import Answer, BrokenAnswer, TimedOut, Unreachable, UpstreamError, send
from gateway.config import GatewayConfig

__all__ = ["Answer", "BrokenAnswer", "TimedOut", "Unreachable", "UpstreamError", "Upstreams"]

if TYPE_CHECKING:  # urllib3 types its pools' connections with this protocol
    from urllib3._base_connection import BaseHTTPConnection

#: Seconds a pooled connection may sit idle before the gateway drops it. It must be shorter than the services'
#: own keep-alive timeout (gunicorn's default, 2 s): a connection the service closes at the very moment the
#: gateway reuses it fails the request with a reset, which the client would see as a 502.
KEEPALIVE_EXPIRY = 1.0
#: Idle connections kept per service and process: one per gunicorn thread, plus a few for readiness checks and
#: OpenAPI fetches running beside them. More concurrent calls still get a fresh connection (block=False).
POOL_SIZE = 8
UPSTREAM_DURATION = Histogram("gateway_upstream_duration_seconds",
                              "Time until a service's response headers arrive, by service.", ["service"])
UPSTREAM_FAILURES = Counter("gateway_upstream_failures_total",
                            "Calls to a service that got no response, by reason.", ["service", "reason"])


class _Expiring(urllib3.HTTPConnectionPool):
    """Closes, instead of reusing, a pooled connection idle for longer than KEEPALIVE_EXPIRY."""

    def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
        conn = super()._get_conn(timeout)
        idle_since = getattr(conn, "gateway_idle_since", None)
        if idle_since is not None and time.monotonic() - idle_since > KEEPALIVE_EXPIRY:
            conn.close()  # reconnects on its next request
        return conn

    def _put_conn(self, conn: BaseHTTPConnection | None) -> None:
        if conn is not None:
            conn.gateway_idle_since = time.monotonic()  # type: ignore[attr-defined]  # our mark on the connection
        super()._put_conn(conn)


class ExpiringPool(_Expiring):
    """A pool of plain HTTP connections to one service."""


class ExpiringHTTPSPool(_Expiring, urllib3.HTTPSConnectionPool):
    """A pool of TLS connections to one service (a service URL may be https://)."""


class Upstreams:
    """The configured services and a urllib3 connection pool for each."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.timeout = urllib3.Timeout(connect=config.connect_timeout, read=config.upstream_timeout)
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._pools: dict[str, _Expiring] = {}
        self._durations: dict[str, Any] = {}  # UPSTREAM_DURATION's child of each service
        #: Every upstream: the services, and the staff console when one is deployed (not a service: it is
        #: neither in readiness nor in the OpenAPI document).
        self.urls = {**config.upstreams, **({"console": config.console_url} if config.console_url else {})}
        #: The path part of each upstream URL, put before every forwarded path.
        self.prefixes = {name: urllib3.util.parse_url(url).path or "" for name, url in self.urls.items()}

    @property
    def services(self) -> dict[str, str]:
        """Service name -> base URL, for every configured service."""
        return self.config.upstreams

    def pool(self, service: str) -> _Expiring:
        """The connection pool of `service` (which must be configured, or be the console), made in this process."""
        pool = self._pools.get(service)  # the common case needs no lock: dict reads are atomic
        if pool is not None and self._pid == os.getpid():
            return pool
        with self._lock:
            if self._pid != os.getpid():
                self._pools, self._pid = {}, os.getpid()
            pool = self._pools.get(service)
            if pool is None:
                url = urllib3.util.parse_url(self.urls[service])
                # A proxy set for outbound traffic must not sit between gateway and services: a plain
                # HTTPConnectionPool never reads the proxy environment variables.
                kind: type[_Expiring] = ExpiringHTTPSPool if url.scheme == "https" else ExpiringPool
                pool = kind(url.host or "", url.port, maxsize=POOL_SIZE, block=False, timeout=self.timeout,
                            retries=False)
                self._pools[service] = pool
            return pool

    def send(self, service: str, method: str, target: str, headers: dict[str, str], body: bytes = b"", *,
             resend: bool = False) -> Answer:
        """Send one request to `service` on a pooled connection (gateway.adapters.plain_http.send)."""
        return send(self.pool(service), method, target, headers, body, resend=resend)

    def timed(self, service: str, seconds: float) -> None:
        """Record how long `service` took to send the head of an answer."""
        duration = self._durations.get(service)
        if duration is None:
            duration = self._durations[service] = UPSTREAM_DURATION.labels(service)
        duration.observe(seconds)

    def close(self) -> None:
        """Close every pooled connection of this process."""
        with self._lock:
            pools, self._pools = self._pools, {}
        for pool in pools.values():
            pool.close()
