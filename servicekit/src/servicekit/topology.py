"""The bus topology in one place: the exchange, every service's queues, retries and dead letters.

Conventions (https://www.rabbitmq.com/docs/dlx, https://www.rabbitmq.com/docs/ttl):
- one durable topic exchange `crm.events`; routing key = versioned event type;
- one durable queue per consuming handler, named `<service>.<handler>`;
- `<queue>.retry` holds a failed delivery for the retry delay (per-message TTL), then dead-letters it
  back to `<queue>` through the default exchange; `<queue>.dlq` keeps what failed for good.
"""
from __future__ import annotations

from kombu import Exchange, Queue, binding

from servicekit.events import EXCHANGE

EVENTS = Exchange(EXCHANGE, type="topic", durable=True)

#: Every service's queues and the event types bound to them. A service's consumer reads its own
#: entries; later services add theirs here, so the whole bus can be read in one file.
QUEUES: dict[str, tuple[str, ...]] = {
    "complaint.customers": ("customer.created.v1", "customer.updated.v1", "customer.merged.v1",
                            "customer.unmerged.v1", "customer.erased.v1", "customer.tier_changed.v1"),
    "reporting.read_model": ("customer.#", "asset.#", "visit.done.v1", "visit.corrected.v1", "visit.voided.v1",
                             "complaint.#", "reminder.#", "appointment.#"),
    "reminder.customer_events": ("customer.#", "asset.registered.v1", "asset.updated.v1", "asset.voided.v1",
                                 "visit.done.v1", "visit.corrected.v1", "visit.voided.v1", "odometer.recorded.v1"),
    "customer.reminders": ("reminder.completed.v1",),
    "reminder.complaints": ("complaint.resolved.v1", "complaint.callback_recorded.v1", "complaint.reopened.v1",
                            "complaint.closed.v1", "complaint.rejected.v1", "complaint.escalated.v1"),
    # each service's copy of the gateway's users (servicekit.staff): assignee checks, staff contacts
    "complaint.users": ("user.created.v1", "user.updated.v1"),
    "reminder.users": ("user.created.v1", "user.updated.v1"),
    "customer.users": ("user.created.v1", "user.updated.v1"),
}

#: Queues a publisher's relay declares before it publishes, so what it publishes at its very start (the
#: gateway announces every user once) waits in them for consumers that have not started yet.
DECLARED_BY_PUBLISHER: dict[str, tuple[str, ...]] = {
    "gateway": ("complaint.users", "reminder.users", "customer.users"),
}


def retry_queue_name(queue: str) -> str:
    """Where a failed delivery waits before its next try."""
    return f"{queue}.retry"


def dead_letter_queue_name(queue: str) -> str:
    """Where a delivery goes after its last failed try."""
    return f"{queue}.dlq"


def queues_for(queue: str, routing_keys: tuple[str, ...], delayed_retry: bool) -> list[Queue]:
    """The main queue (bound to `crm.events`), its dead-letter queue and, on AMQP, its retry queue."""
    declared = [
        Queue(queue, bindings=[binding(EVENTS, routing_key=key) for key in routing_keys], durable=True),
        Queue(dead_letter_queue_name(queue), durable=True),
    ]
    if delayed_retry:
        declared.append(Queue(retry_queue_name(queue), durable=True, queue_arguments={
            "x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue}))
    return declared


def declare(channel, queue: str | None = None, routing_keys: tuple[str, ...] = (),
            delayed_retry: bool = True) -> None:
    """Declare the exchange and, when `queue` is given, that queue with its retry and dead-letter queues."""
    EVENTS.bind(channel).declare()
    if queue is None:
        return
    for declared in queues_for(queue, routing_keys, delayed_retry):
        declared.bind(channel).declare()


def declare_for_publisher(channel, service: str, delayed_retry: bool = True) -> None:
    """Declare the exchange and the queues DECLARED_BY_PUBLISHER names for `service` (as their consumers do)."""
    declare(channel)
    for queue in DECLARED_BY_PUBLISHER.get(service, ()):
        declare(channel, queue, QUEUES[queue], delayed_retry=delayed_retry)
