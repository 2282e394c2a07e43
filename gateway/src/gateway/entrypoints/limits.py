"""Rate limits per credential (flask-limiter): a general one, and a tight one on password login."""
from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, Response, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from servicekit.problems import problem_response

from gateway.adapters import rate_counters
from gateway.config import GatewayConfig

#: Probes and scrapes must never be refused.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def caller_key() -> str:
    """The bucket of the current request: its credential, or its client address when anonymous."""
    return g.get("rate_limit_key") or f"address:{get_remote_address()}"


def install_limits(app: Flask, config: GatewayConfig, login: Blueprint) -> Limiter:
    """Limit every route per caller, and `login` per client address against password guessing."""
    # An application limit is one allowance per caller across every route (a default limit would be per route).
    storage_uri = config.rate_limit_storage_uri
    if storage_uri == "memory://":
        storage_uri = f"{rate_counters.SCHEME}://"  # limits' MemoryStorage starts a thread per request
    limiter = Limiter(caller_key, app=app, application_limits=[config.rate_limit],
                      storage_uri=storage_uri, strategy="fixed-window",
                      application_limits_exempt_when=lambda: request.path in EXEMPT_PATHS)
    limiter.limit(config.token_rate_limit, key_func=lambda: f"login:{get_remote_address()}")(login)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        wait = 1
        if current is not None:
            # The storage rounds the window's end up; never ask to wait longer than one whole window.
            wait = min(max(1, math.ceil(current.reset_at - time.time())), current.limit.get_expiry())
        response = problem_response(429, "Too Many Requests",
                                    f"Rate limit of {error.limit.limit} reached; retry in {wait} s.")
        response.headers["Retry-After"] = str(wait)
        return response

    return limiter
