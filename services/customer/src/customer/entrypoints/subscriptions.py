"""The queues this service's consumer reads, and the event types bound to each: its own part of the bus.

The kit builds each queue's retry and dead-letter queues from this (servicekit.topology); consumer.py pairs each
queue with its handlers; pyproject.toml registers QUEUES under the entry point `servicekit.queues`, where what reads
the whole bus finds it (`python -m servicekit.queues`, the deployment and fault checks).
"""
from __future__ import annotations

from servicekit.staff import USER_EVENTS

#: Completed callback tasks, recorded as callback visits.
REMINDERS_QUEUE = "customer.reminders"
#: The gateway's users: who may own a customer (customer.service_layer.staff, servicekit.staff).
USERS_QUEUE = "customer.users"

QUEUES: dict[str, tuple[str, ...]] = {
    REMINDERS_QUEUE: ("reminder.completed.v1",),
    USERS_QUEUE: USER_EVENTS,
}
