"""Moving the queues of an earlier version (classic queues) to the quorum queues this version declares; and
putting dead letters back on their queue once their cause is mended.

RabbitMQ cannot change a queue's type in place: a declaration of the same name with other arguments is
refused (406 PRECONDITION_FAILED, see topology.QueueMismatch). With the consumers of the queues stopped,

    CRM_BROKER_URL=amqp://… python -m servicekit.queues status
    CRM_BROKER_URL=amqp://… python -m servicekit.queues migrate [--queue NAME [--bind KEY …]]

says which queues need it, then moves each one, its messages kept. The queues are those of every installed
service (each registers its own: servicekit.topology.ENTRY_POINTS), or the `--queue` given.

1. `<queue>.retry`: what waits there for its retry goes back to `<queue>` at once (retried now rather than
   after the delay), and the retry queue is declared again as a quorum queue.
2. `<queue>`, then `<queue>.dlq`: a holding quorum queue `<name>.migrating` takes the queue's bindings
   (new events go there meanwhile), the queue is unbound, its messages are moved into the holding queue,
   it is deleted once empty and declared again as a quorum queue with its bindings; the holding
   queue is unbound and emptied into it, then deleted.

Each message is acked in its old queue only after the broker confirmed its copy in the new one, so a
crash at any point loses nothing: run the command again and it carries on where it stopped (at most a
batch is copied twice, and consumers apply each event id once).

    CRM_BROKER_URL=amqp://… python -m servicekit.queues requeue --queue reporting.read_model

puts what `<queue>.dlq` holds back on `<queue>`, to be applied again once what made its handler fail is
mended (a new release, data put right): each with its tries counted from 0 again and the error it failed with
taken off, in the order it was dead-lettered. Consumers may go on running meanwhile. Only what the
dead-letter queue held when the command started is moved: an event that fails again goes back there for the
next time. Without a RabbitMQ URL it works on the embedded bus of `make run` (in CRM_VAR_DIR).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from amqp.exceptions import NotFound, PreconditionFailed
from kombu import Connection, Queue, binding

from servicekit import topology
from servicekit.bus import embedded, ensure_connected, is_amqp
from servicekit.config import var_folder
from servicekit.publisher import Outgoing, Publisher
from servicekit.redelivery import ERROR_HEADER, QUEUE_HEADER, RETRIES_HEADER

HOLDING_SUFFIX = ".migrating"
#: A holding queue keeps what it is given until it is emptied: no dead-letter target, no real limit.
HOLDING_ARGUMENTS = {**topology.QUORUM, "x-delivery-limit": topology.DEAD_LETTER_DELIVERY_LIMIT}


def _queue(name: str, routing_keys: tuple[str, ...], arguments: dict) -> Queue:
    return Queue(name, durable=True, queue_arguments=arguments,
                 bindings=[binding(topology.EVENTS, routing_key=key) for key in routing_keys])


def _on_fresh_channel(connection: Connection, action: Callable) -> bool:
    """Run `action(channel)` on a channel of its own; False if the broker refused it (406 or 404), which
    closes that channel."""
    channel = connection.channel()
    try:
        action(channel)
    except (PreconditionFailed, NotFound):
        return False
    try:
        channel.close()
    except Exception:  # nothing is lost with a channel that failed to close
        pass
    return True


def exists(connection: Connection, name: str) -> bool:
    """Whether a queue called `name` exists (a passive declaration)."""
    return _on_fresh_channel(connection, lambda channel: channel.queue_declare(name, passive=True))


def _held(connection: Connection, name: str) -> int:
    """How many messages the queue `name` holds (0 if there is none)."""
    counts: list[int] = []
    _on_fresh_channel(connection,
                      lambda channel: counts.append(channel.queue_declare(name, passive=True).message_count))
    return counts[0] if counts else 0


def declares(connection: Connection, name: str, routing_keys: tuple[str, ...], arguments: dict) -> bool:
    """Declare the queue as this version does; False if a queue of that name exists with other arguments."""
    return _on_fresh_channel(connection, lambda channel: _queue(name, routing_keys, arguments).bind(channel).declare())


def move(connection: Connection, source: str, target: str, batch: int = 500, limit: int | None = None,
         headers: Callable[[dict], dict] = dict) -> int:
    """Move every message of `source` to `target` (through the default exchange), or the first `limit`; return
    how many. `headers`: what a message's headers become.

    Each batch is acked in `source` only once the broker confirmed it in `target`. A message's expiry is
    not carried over: a holding queue must not drop what it holds.
    """
    channel = connection.channel()
    publisher = Publisher(connection)
    moved = 0
    try:
        while True:
            taken: list[Any] = []
            while (len(taken) < batch and (limit is None or moved + len(taken) < limit)
                   and (message := channel.basic_get(source, no_ack=False)) is not None):
                taken.append(message)
            if not taken:
                return moved
            publisher.publish([
                Outgoing("", target, message.body.decode("utf-8") if isinstance(message.body, bytes) else message.body,
                         message.properties.get("message_id") or "", headers(dict(message.headers or {})))
                for message in taken])
            channel.basic_ack(taken[-1].delivery_tag, multiple=True)
            moved += len(taken)
    finally:
        publisher.reset()
        channel.close()


def _unbind(connection: Connection, name: str, routing_keys: tuple[str, ...]) -> None:
    channel = connection.channel()
    for key in routing_keys:
        channel.queue_unbind(name, topology.EVENTS.name, routing_key=key)
    channel.close()


def _delete_when_empty(connection: Connection, name: str) -> bool:
    """Delete `name` if no message is left in it; False if one is (it arrived after the move).

    Quorum queues refuse `if-empty` deletion, so the count is looked at first. The queue is unbound by
    then and its consumers are stopped: only a publish to it by name could slip in between.
    """
    if _held(connection, name):
        return False
    _on_fresh_channel(connection, lambda channel: channel.queue_delete(name))
    return True


def replace(connection: Connection, name: str, routing_keys: tuple[str, ...], report: Callable[[str], None]) -> None:
    """Make `name` the quorum queue this version declares, its messages and bindings kept (steps above)."""
    arguments = topology.queue_arguments(name)
    holding = name + HOLDING_SUFFIX
    if not declares(connection, name, routing_keys, arguments):
        _queue(holding, routing_keys, HOLDING_ARGUMENTS).bind(connection.default_channel).declare()
        _unbind(connection, name, routing_keys)
        moved = move(connection, name, holding)
        while not _delete_when_empty(connection, name):  # a message arrived meanwhile (a direct publish)
            moved += move(connection, name, holding)
        report(f"{name}: {moved} messages set aside in {holding}; the old queue deleted")
        if not declares(connection, name, routing_keys, arguments):
            raise RuntimeError(f"{name} could not be declared again as a quorum queue")
    if exists(connection, holding):
        _unbind(connection, holding, routing_keys)
        moved = move(connection, holding, name)
        while not _delete_when_empty(connection, holding):
            moved += move(connection, holding, name)
        report(f"{name}: now a quorum queue; {moved} messages moved back into it")


def migrate(connection: Connection, queue: str, routing_keys: tuple[str, ...],
            report: Callable[[str], None] = print) -> None:
    """Move `queue`, its retry queue and its dead-letter queue to quorum queues, nothing lost."""
    retry = topology.retry_queue_name(queue)
    if exists(connection, retry) and not declares(connection, retry, (), topology.queue_arguments(retry)):
        if not exists(connection, queue):  # where the retries go back to must be there to take them
            declares(connection, queue, routing_keys, topology.queue_arguments(queue))
        moved = move(connection, retry, queue)
        while not _delete_when_empty(connection, retry):
            moved += move(connection, retry, queue)
        report(f"{retry}: {moved} waiting retries sent back to {queue}; the old queue deleted")
    replace(connection, queue, routing_keys, report)
    declares(connection, retry, (), topology.queue_arguments(retry))
    replace(connection, topology.dead_letter_queue_name(queue), (), report)
    report(f"{queue}, {retry} and {topology.dead_letter_queue_name(queue)}: quorum queues")


#: Headers a dead letter carries about its failure (servicekit.redelivery), taken off when it is put back.
FAILURE_HEADERS = (RETRIES_HEADER, ERROR_HEADER, QUEUE_HEADER)


def requeue(connection: Connection, queue: str) -> int:
    """Put what `<queue>.dlq` holds now back on `queue`, each as if it had never failed; return how many."""
    dead_letters = topology.dead_letter_queue_name(queue)
    held = _held(connection, dead_letters)
    if not held:
        return 0
    return move(connection, dead_letters, queue, limit=held,
                headers=lambda headers: {name: value for name, value in headers.items()
                                         if name not in FAILURE_HEADERS})


def status(connection: Connection, queue: str) -> list[str]:
    """One line per queue of `queue`'s three: as this version declares it, to migrate, or missing."""
    lines = []
    for name in (queue, topology.retry_queue_name(queue), topology.dead_letter_queue_name(queue)):
        if not exists(connection, name):
            state = "missing (its consumer declares it at start)"
        elif declares(connection, name, (), topology.queue_arguments(name)):
            state = "quorum, as declared by this version"
        else:
            state = "other arguments (a classic queue of an earlier version): run `migrate`"
        lines.append(f"{name}: {state}")
        if exists(connection, name + HOLDING_SUFFIX):
            lines.append(f"{name + HOLDING_SUFFIX}: a migration stopped half-way: run `migrate` again")
    return lines


def main(argv: list[str] | None = None) -> None:
    """`python -m servicekit.queues status|migrate|requeue`: see the module's docstring."""
    parser = argparse.ArgumentParser(prog="python -m servicekit.queues", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("status", "migrate", "requeue"))
    parser.add_argument("--url", default=os.environ.get("CRM_BROKER_URL"), help="default: CRM_BROKER_URL")
    parser.add_argument("--queue", action="append",
                        help="a queue (default: every queue the installed services declare)")
    parser.add_argument("--bind", action="append", default=[],
                        help="a routing key the --queue is bound with on crm.events (for a queue no service declares)")
    args = parser.parse_args(argv)
    on_rabbitmq = bool(args.url) and is_amqp(args.url)
    if not on_rabbitmq and args.command != "requeue":
        parser.error("give the RabbitMQ URL (--url or CRM_BROKER_URL); the embedded bus has nothing to migrate")
    declared = topology.every_queue()
    if not args.queue and not declared:
        parser.error("no installed service declares a queue (entry points 'servicekit.queues'): give --queue")
    queues = {name: declared.get(name, tuple(args.bind)) for name in args.queue or declared}
    # `requeue` without a RabbitMQ URL: the embedded bus of `make run`, in CRM_VAR_DIR (./var by default)
    with (Connection(args.url, connect_timeout=5, heartbeat=0) if on_rabbitmq
          else embedded(var_folder(os.environ))) as connection:
        ensure_connected(connection)
        for queue, routing_keys in queues.items():
            if args.command == "status":
                print("\n".join(status(connection, queue)))
            elif args.command == "requeue":
                print(f"{queue}: {requeue(connection, queue)} dead letters put back on the queue")
            else:
                migrate(connection, queue, routing_keys)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
