"""Rate limits per credential (the `limits` library): a general one, and a tight one on password login.

Checked by one before-request hook rather than through flask-limiter: flask-limiter re-parses the limit
strings and walks its decorator, blueprint and exemption registries on every request, which cost about
0.15 ms of CPU per proxied call, several times the counting itself. Two fixed limits parsed once need none
of that.
"""
from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, Response, g, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from servicekit.problems import problem_response

from gateway.adapters import rate_counters
from gateway.config import GatewayConfig

#: Probes and scrapes must never be refused.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def client_address() -> str:
    """The address the request came from (the last proxy's, behind one); for the console's calls, the address
    of the browser it calls for, which the gateway vouched for when it passed the browser's request on."""
    from gateway.entrypoints.console import vouched_address

    return vouched_address() or request.remote_addr or "127.0.0.1"


def caller_key() -> str:
    """The bucket of the current request: its credential, or its client address when anonymous."""
    return g.get("rate_limit_key") or f"address:{client_address()}"


class RateLimits:
    """One allowance per caller across every route, and one per client address on the login blueprint."""

    def __init__(self, config: GatewayConfig, login: Blueprint) -> None:
        storage_uri = config.rate_limit_storage_uri
        if storage_uri == "memory://":
            storage_uri = f"{rate_counters.SCHEME}://"  # limits' MemoryStorage starts a thread per request
        self.storage = storage_from_string(storage_uri)
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.general = parse(config.rate_limit)
        self.login = parse(config.token_rate_limit)
        self.login_blueprint = login.name

    def check(self) -> Response | None:
        """Count the current request; a 429 problem with Retry-After when one of its limits is used up."""
        if request.endpoint is None or request.path in EXEMPT_PATHS:
            return None  # unrouted requests (404, 405) cost nothing to refuse
        if request.blueprint == self.login_blueprint:
            refused = self._hit(self.login, "login", client_address())
            if refused is not None:
                return refused
        return self._hit(self.general, "caller", caller_key())

    def count(self, key: str) -> bool:
        """Count a request of the caller `key` against the general allowance: whether it is within it (else
        `refusal(self.general, "caller", key)` is the answer)."""
        return self.limiter.hit(self.general, "caller", key)

    def _hit(self, item: RateLimitItem, scope: str, key: str) -> Response | None:
        if self.limiter.hit(item, scope, key):
            return None
        return self.refusal(item, scope, key)

    def refusal(self, item: RateLimitItem, scope: str, key: str) -> Response:
        """The 429 problem, with Retry-After, for a request over the limit `item` of `key`."""
        reset_at = self.limiter.get_window_stats(item, scope, key).reset_time
        # The storage rounds the window's end up; never ask to wait longer than one whole window.
        wait = min(max(1, math.ceil(reset_at - time.time())), item.get_expiry())
        response = problem_response(429, "Too Many Requests", f"Rate limit of {item} reached; retry in {wait} s.")
        response.headers["Retry-After"] = str(wait)
        return response


def install_limits(app: Flask, config: GatewayConfig, login: Blueprint) -> RateLimits:
    """Limit every route per caller, and `login` per client address against password guessing.

    Installed after the kit's authentication hook, which names the caller (g.rate_limit_key).
    """
    limits = RateLimits(config, login)
    app.before_request(limits.check)
    app.extensions["rate_limits"] = limits
    return limits
