"""The bus topology in one place: the exchange, every service's queues, retries and dead letters.

Conventions (https://www.rabbitmq.com/docs/dlx, https://www.rabbitmq.com/docs/ttl,
https://www.rabbitmq.com/docs/quorum-queues):
- one durable topic exchange `crm.events`; routing key = versioned event type;
- one durable queue per consuming handler, named `<service>.<handler>`;
- `<queue>.retry` holds a failed delivery for the retry delay (per-message TTL), then dead-letters it
  back to `<queue>` through the default exchange; `<queue>.dlq` keeps what failed for good.
- On RabbitMQ all three are quorum queues (replicated on a cluster), with every setting that matters
  declared here rather than left to the broker's defaults, which differ between 3.x and 4.x
  (docs/reliability.md explains the numbers). The embedded bus takes the plain declarations.
"""
from __future__ import annotations

from amqp.exceptions import PreconditionFailed
from kombu import Exchange, Queue, binding

from servicekit.events import EXCHANGE

EVENTS = Exchange(EXCHANGE, type="topic", durable=True)

#: How many times RabbitMQ hands a message out without an ack (the consumer died or lost its connection
#: holding it) before it dead-letters it: a message that crashes every consumer that takes it ends in
#: `<queue>.dlq` instead of going round for ever. Failures a handler reports never count here: the
#: consumer acks those and re-publishes them to `<queue>.retry` itself (CRM_CONSUMER_MAX_RETRIES).
#: 20 is RabbitMQ 4's default, stated so that 3.x (no limit by default) behaves alike. (From 4.3 on,
#: a return because the connection closed no longer counts: docs/reliability.md.)
DELIVERY_LIMIT = 20
#: A dead-letter queue is read by people and tools, perhaps many times over with requeue; it has no
#: dead-letter target of its own, so its limit is set high enough never to drop what it keeps.
DEAD_LETTER_DELIVERY_LIMIT = 1_000_000

#: What every queue is on RabbitMQ: replicated, and dead-lettering a message only once the target has it
#: (at-least-once), which RabbitMQ allows with `reject-publish` overflow alone.
QUORUM = {"x-queue-type": "quorum", "x-overflow": "reject-publish", "x-dead-letter-strategy": "at-least-once"}

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


def dead_letters_to(target: str) -> dict[str, object]:
    """The arguments of a queue that dead-letters to `target` (through the default exchange)."""
    return {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": target}


def queue_arguments(name: str, amqp: bool = True) -> dict[str, object]:
    """The declaration arguments of the queue called `name`: `<queue>`, `<queue>.retry` or `<queue>.dlq`.

    On RabbitMQ: a quorum queue that dead-letters at least once (which needs `reject-publish` overflow),
    with an explicit delivery limit. `<queue>` dead-letters (past its delivery limit) to `<queue>.dlq`,
    `<queue>.retry` (at the message's expiry) back to `<queue>`. The embedded bus takes none.
    """
    if not amqp:
        return {}
    if name.endswith(".dlq"):
        return {**QUORUM, "x-delivery-limit": DEAD_LETTER_DELIVERY_LIMIT}
    if name.endswith(".retry"):
        return {**QUORUM, "x-delivery-limit": DELIVERY_LIMIT, **dead_letters_to(name.removesuffix(".retry"))}
    return {**QUORUM, "x-delivery-limit": DELIVERY_LIMIT, **dead_letters_to(dead_letter_queue_name(name))}


def queues_for(queue: str, routing_keys: tuple[str, ...], amqp: bool) -> list[Queue]:
    """The main queue (bound to `crm.events`), its dead-letter queue and, on AMQP, its retry queue."""
    declared = [
        Queue(queue, bindings=[binding(EVENTS, routing_key=key) for key in routing_keys], durable=True,
              queue_arguments=queue_arguments(queue, amqp)),
        Queue(dead_letter_queue_name(queue), durable=True,
              queue_arguments=queue_arguments(dead_letter_queue_name(queue), amqp)),
    ]
    if amqp:
        declared.append(Queue(retry_queue_name(queue), durable=True,
                              queue_arguments=queue_arguments(retry_queue_name(queue))))
    return declared


class QueueMismatch(RuntimeError):
    """A queue exists on the broker with other arguments than ours (a classic queue of an earlier version)."""


def declare(channel, queue: str | None = None, routing_keys: tuple[str, ...] = (), amqp: bool = True) -> None:
    """Declare the exchange and, when `queue` is given, that queue with its retry and dead-letter queues.

    Raises QueueMismatch, which says what to do, when RabbitMQ refuses a declaration (406
    PRECONDITION_FAILED) because the queue exists with other arguments: the channel is closed then.
    """
    EVENTS.bind(channel).declare()
    if queue is None:
        return
    for declared in queues_for(queue, routing_keys, amqp):
        try:
            declared.bind(channel).declare()
        except PreconditionFailed as exc:
            raise QueueMismatch(
                f"queue {declared.name!r} exists on the broker with other arguments than a Guanxi queue of this "
                f"version, which is a quorum queue (RabbitMQ said: {exc.reply_text}). It is most likely a classic "
                f"queue made by an earlier version. Move it, its messages kept: stop the processes that consume "
                f"it and run `python -m servicekit.queues migrate` with the same CRM_BROKER_URL "
                f"(docs/reliability.md, 'Moving classic queues to quorum queues').") from exc


def declare_for_publisher(channel, service: str, amqp: bool = True) -> None:
    """Declare the exchange and the queues DECLARED_BY_PUBLISHER names for `service` (as their consumers do)."""
    declare(channel)
    for queue in DECLARED_BY_PUBLISHER.get(service, ()):
        declare(channel, queue, QUEUES[queue], amqp=amqp)
