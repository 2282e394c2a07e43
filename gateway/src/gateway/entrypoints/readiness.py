"""GET /readyz for the whole system: the gateway's database and each configured service's /readyz."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Response, current_app
from servicekit.db import ping
from servicekit.problems import problem_response
from servicekit.webapp import service_context
from urllib3 import Timeout
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ReadTimeoutError

from gateway.adapters.upstreams import Upstreams


def service_state(upstreams: Upstreams, service: str, timeout: float) -> str:
    """"ready", "not_ready" (it answered, but not 200), "timeout" or "unreachable"."""
    try:
        response = upstreams.pool(service).request(
            "GET", upstreams.prefixes[service] + "/readyz", timeout=Timeout(connect=timeout, read=timeout))
    except ConnectTimeoutError:  # a refused connection too
        return "unreachable"
    except ReadTimeoutError:
        return "timeout"
    except HTTPError:
        return "unreachable"
    return "ready" if response.status == 200 else "not_ready"


def service_states(upstreams: Upstreams, timeout: float) -> dict[str, str]:
    """The state of every configured service, asked all at once."""
    services = sorted(upstreams.services)
    if not services:
        return {}
    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        states = pool.map(lambda service: service_state(upstreams, service, timeout), services)
        return dict(zip(services, states, strict=True))


def readyz() -> Response | dict:
    """200 when the database and every configured service are ready, 503 naming what is not."""
    state = current_app.extensions["gateway"]
    try:
        ping(service_context(current_app).engine)
        database = "ok"
    except Exception as exc:  # any failure means not ready
        database = f"unreachable: {type(exc).__name__}"
    services = service_states(state.upstreams, state.config.readiness_timeout)
    body = {"service": "gateway", "database": database, "services": services}
    if database != "ok" or any(value != "ready" for value in services.values()):
        waiting = [name for name, value in services.items() if value != "ready"]
        detail = "Not ready: " + ", ".join((["database"] if database != "ok" else []) + waiting) + "."
        return problem_response(503, "Service Unavailable", detail, **body)
    return {"status": "ready", **body}
