"""The bus topology: the exchange, and how each queue a service declares gets its retry and dead-letter queues.

Conventions (https://www.rabbitmq.com/docs/dlx, https://www.rabbitmq.com/docs/ttl,
https://www.rabbitmq.com/docs/quorum-queues):
- one durable topic exchange `crm.events`; routing key = versioned event type;
- one durable queue per consuming handler, named `<service>.<handler>`: each service declares its own queues
  and the event types bound to them beside its handlers (`<service>.entrypoints.subscriptions.QUEUES`); the
  kit names no service;
- `<queue>.retry` holds a failed delivery for the retry delay (per-message TTL), then dead-letters it
  back to `<queue>` through the default exchange; `<queue>.dlq` keeps what failed for good.
- On RabbitMQ all three are quorum queues (replicated on a cluster), with every setting that matters
  declared here rather than left to the broker's defaults, which differ between 3.x and 4.x
  (docs/reliability.md explains the numbers). The embedded bus takes the plain declarations.
"""
from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points

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

#: The entry-point group under which each service's package registers its queues, in its pyproject.toml:
#:
#:     [project.entry-points."servicekit.queues"]
#:     <service> = "<service>.entrypoints.subscriptions:QUEUES"
#:
#: naming a {queue: event types bound to it} mapping. A consumer declares its own queues from its own
#: subscriptions; what reads the whole bus (`python -m servicekit.queues`, deployment and fault checks) finds
#: the queues of every installed service here, without the kit knowing any of them.
ENTRY_POINTS = "servicekit.queues"

#: {queue: the event types (routing keys, topic patterns) bound to it on `crm.events`}.
Queues = Mapping[str, tuple[str, ...]]


def installed_queues() -> dict[str, Queues]:
    """{service: its queues} of every installed package that registers ENTRY_POINTS (section above)."""
    return {entry.name: entry.load() for entry in sorted(entry_points(group=ENTRY_POINTS), key=lambda e: e.name)}


def every_queue(by_service: Mapping[str, Queues] | None = None) -> dict[str, tuple[str, ...]]:
    """The queues of every installed service (or of `by_service`) in one mapping; a queue two services both
    declare is a mistake (each would take the other's deliveries) and raises ValueError."""
    merged: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for service, queues in (installed_queues() if by_service is None else by_service).items():
        for queue, routing_keys in queues.items():
            if queue in merged:
                raise ValueError(f"queue {queue!r} is declared by both {owner[queue]} and {service}")
            merged[queue], owner[queue] = tuple(routing_keys), service
    return merged


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


def declare_for_publisher(channel, queues: Queues, amqp: bool = True) -> None:
    """Declare the exchange and `queues` (as their consumers do) before a publisher's first publish, so what it
    publishes at its very start (the gateway announces every user once) waits in them for consumers that have
    not started yet."""
    declare(channel)
    for queue, routing_keys in queues.items():
        declare(channel, queue, tuple(routing_keys), amqp=amqp)
