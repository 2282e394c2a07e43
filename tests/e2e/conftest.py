"""End-to-end tests run the real processes; their logs are shown when a test fails.

Each module's system gets a RabbitMQ virtual host of its own: the services' queues are durable and named
for the service, so events a system published as it stopped would otherwise reach the next module's
consumers and show up in its figures and databases.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from servicekit.testing import broker_reachable, throwaway_vhost


@pytest.fixture(scope="module")
def amqp_url() -> Iterator[str]:
    """A throwaway RabbitMQ vhost for this module's system, as an AMQP URL."""
    problem = broker_reachable()
    if problem:
        pytest.fail(problem, pytrace=False)
    with throwaway_vhost("e2e") as url:
        yield url
