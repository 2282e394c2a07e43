"""The queues this service's consumer reads, and the event types bound to each: its own part of the bus.

The kit builds each queue's retry and dead-letter queues from this (servicekit.topology); consumer.py pairs each
queue with its handlers; pyproject.toml registers QUEUES under the entry point `servicekit.queues`, where what reads
the whole bus finds it (`python -m servicekit.queues`, the deployment and fault checks).
"""
from __future__ import annotations

from servicekit.staff import USER_EVENTS

#: The customer events kept in this service's copy of the customers (one queue, so they keep their order).
QUEUE = "complaint.customers"
#: The gateway's users: whom complaints may be assigned to (servicekit.staff).
USERS_QUEUE = "complaint.users"

QUEUES: dict[str, tuple[str, ...]] = {
    QUEUE: ("customer.created.v1", "customer.updated.v1", "customer.merged.v1", "customer.unmerged.v1",
            "customer.erased.v1", "customer.tier_changed.v1"),
    USERS_QUEUE: USER_EVENTS,
}
