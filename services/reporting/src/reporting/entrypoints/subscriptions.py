"""The queue this service's consumer reads, and the event types bound to it: its own part of the bus.

The kit builds each queue's retry and dead-letter queues from this (servicekit.topology); consumer.py pairs each
queue with its handlers; pyproject.toml registers QUEUES under the entry point `servicekit.queues`, where what reads
the whole bus finds it (`python -m servicekit.queues`, the deployment and fault checks).
"""
from __future__ import annotations

#: The read model's one queue, bound to every event type the reports read.
QUEUE = "reporting.read_model"

QUEUES: dict[str, tuple[str, ...]] = {
    QUEUE: ("customer.#", "asset.#", "visit.done.v1", "visit.corrected.v1", "visit.voided.v1", "complaint.#",
            "reminder.#", "appointment.#"),
}
