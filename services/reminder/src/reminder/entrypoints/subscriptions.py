"""The queues this service's consumer reads, and the event types bound to each: its own part of the bus.

The kit builds each queue's retry and dead-letter queues from this (servicekit.topology); consumer.py pairs each
queue with its handlers; pyproject.toml registers QUEUES under the entry point `servicekit.queues`, where what reads
the whole bus finds it (`python -m servicekit.queues`, the deployment and fault checks).
"""
from __future__ import annotations

from servicekit.staff import USER_EVENTS

#: The customer service's events (one queue, so one customer's events keep their order).
ARCHIVE_QUEUE = "reminder.customer_events"
#: The complaint steps that start or end a complaint callback, and escalations.
COMPLAINTS_QUEUE = "reminder.complaints"
#: The gateway's users: task owners are checked against them; staff notifications reach them (servicekit.staff).
USERS_QUEUE = "reminder.users"

QUEUES: dict[str, tuple[str, ...]] = {
    ARCHIVE_QUEUE: ("customer.#", "asset.registered.v1", "asset.updated.v1", "asset.voided.v1", "visit.done.v1",
                    "visit.corrected.v1", "visit.voided.v1", "odometer.recorded.v1"),
    COMPLAINTS_QUEUE: ("complaint.resolved.v1", "complaint.callback_recorded.v1", "complaint.reopened.v1",
                       "complaint.closed.v1", "complaint.rejected.v1", "complaint.escalated.v1"),
    USERS_QUEUE: USER_EVENTS,
}
