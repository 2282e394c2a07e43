"""Bodies built to exhaust a service (tens of thousands of keys, a thousand nested brackets, a 5,000-digit
number) get a quick 4xx problem from the gateway's login, through the gateway and from each service
reached directly: never a 500, never seconds of validation."""
from __future__ import annotations

import json
import time

import httpx
import pytest
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import ADMIN_PASSWORD, login, running_system

pytestmark = pytest.mark.e2e
#: A route taking a JSON body in each service that has one, as the gateway routes it.
ROUTES = {"customer": "/api/v1/customers", "complaint": "/api/v1/complaints", "reminder": "/api/v1/reminders/rules"}
BODIES = {
    "30,000 unknown keys": (json.dumps({"username": "admin", "password": ADMIN_PASSWORD,
                                        **{f"k{i}": 1 for i in range(30_000)}}), 413),
    "1,000 nested brackets": ("[" * 1000 + "]" * 1000, 422),
    "a 5,000-digit number": ('{"username": "admin", "password": ' + "9" * 5000 + "}", 422),
}


@pytest.fixture(scope="module")
def system(tmp_path_factory, postgres_database, amqp_url):
    """Gateway and every service that takes JSON bodies, web processes only."""
    with running_system(tmp_path_factory.mktemp("e2e"), postgres_database, amqp_url,
                        [(service, "web") for service in ROUTES], DEFAULT_UPSTREAMS) as running:
        yield running


def _targets(system) -> list[tuple[str, str, dict[str, str]]]:
    headers = login(system.gateway)
    return [("the gateway's login", f"{system.gateway}/api/v1/auth/token", {}),
            *((f"{service} through the gateway", system.gateway + path, headers) for service, path in ROUTES.items()),
            *((f"{service} directly", system.services[service] + path, system.service_headers())
              for service, path in ROUTES.items())]


@pytest.mark.parametrize("kind", list(BODIES))
def test_a_hostile_body_is_a_quick_problem_everywhere(system, kind):
    body, status = BODIES[kind]
    answers = {}
    for name, url, headers in _targets(system):
        started = time.monotonic()
        response = httpx.post(url, content=body, headers={**headers, "Content-Type": "application/json"}, timeout=30)
        answers[name] = (response.status_code, response.headers.get("Content-Type"), time.monotonic() - started < 2)
    assert answers == {name: (status, "application/problem+json", True) for name in answers}
