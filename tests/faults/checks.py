"""The checks, in the manner of Jepsen's RabbitMQ checker: each compares what should be (from the workload's
ledger, the outboxes, the customer archive, the faults' own messages) with what is, counting what was lost,
duplicated and unexpected. Each reads the databases straight (not through the fault proxy) and the broker."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pika
from servicekit.topology import dead_letter_queue_name

from .system import DATABASES, QUEUES, Rig
from .workload import Ledger


@dataclass
class Result:
    """One row of the table."""

    check: str
    expected: int
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    recovery: str = ""
    examples: list[str] = field(default_factory=list)  # a few of the ids counted, for whoever looks into it

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.duplicated or self.unexpected)


def compare(check: str, expected: Iterable[str], found: Iterable[str], uncertain: int = 0) -> Result:
    """Expected ids against ids found (a list: an id found twice is a duplicate). `uncertain`: creates whose
    outcome the client never learnt; each may have made one record it could not expect, so that many
    unexpected ids are not counted."""
    wanted, seen = set(expected), Counter(found)
    odd = sorted(wanted - set(seen)) + sorted(key for key, count in seen.items() if key not in wanted or count > 1)
    return Result(check, len(wanted), lost=len(wanted - set(seen)), examples=odd[:5],
                  duplicated=sum(count - 1 for key, count in seen.items() if key in wanted and count > 1),
                  unexpected=max(0, sum(count for key, count in seen.items() if key not in wanted) - uncertain))


def ids(rig: Rig, service: str, sql: str) -> list[str]:
    """The first column of a query on a service's database, as text."""
    return [str(row[0]) for row in rig.query(service, sql)]


def acknowledged_writes(rig: Rig, ledger: Ledger) -> list[Result]:
    """Every write answered 2xx exists in its service, each edit included (the customer's version)."""
    customers = {f"{key}@{value['version']}" for key, value in ledger.acked["customers"].items()}
    uncertain = ledger.uncertain
    return [
        compare("customers (with their last edit)", customers,
                ids(rig, "customer", "SELECT id::text || '@' || version FROM customers"), uncertain["customers"]),
        compare("vehicles", ledger.acked["vehicles"], ids(rig, "customer", "SELECT id::text FROM assets"),
                uncertain["vehicles"]),
        compare("visits", ledger.acked["visits"], ids(rig, "customer", "SELECT id::text FROM visits"),
                uncertain["visits"]),
        compare("complaints closed", ledger.acked["complaints"],
                ids(rig, "complaint", "SELECT id::text FROM complaints WHERE status = 'closed'")),
        compare("appointments", ledger.acked["appointments"],
                ids(rig, "reminder", "SELECT id::text FROM appointments"), uncertain["appointments"]),
    ]


def outboxes_published(rig: Rig) -> Result:
    """Every outbox row of every service published."""
    rows = [(service, str(row[0]), row[1] is not None) for service in DATABASES
            for row in rig.query(service, "SELECT event_id, published_at FROM outbox")]
    return Result("outbox rows published", len(rows), lost=sum(1 for *_, published in rows if not published))


def _matches(pattern: str, event_type: str) -> bool:
    """A topic binding's match (`#` any words, `*` one word)."""
    regex = re.escape(pattern).replace(r"\#", ".*").replace(r"\*", "[^.]+")
    return re.fullmatch(regex, event_type) is not None


def consumers_applied(rig: Rig) -> list[Result]:
    """Every consumer queue applied every event published of a type bound to it, and nothing else."""
    published = [(str(event_id), event_type) for service in DATABASES
                 for event_id, event_type in rig.query(service, "SELECT event_id, type FROM outbox")]
    results = []
    for queue, keys in QUEUES.items():
        service = queue.split(".")[0]
        bound = [event_id for event_id, event_type in published if any(_matches(key, event_type) for key in keys)]
        applied = ids(rig, service, f"SELECT event_id FROM inbox WHERE queue = '{queue}'")
        results.append(compare(f"events applied by {queue}", bound, applied))
    return results


def reporting_recount(rig: Rig) -> list[Result]:
    """The reporting figures equal a recount from the sources: each customer's vehicles and service visits,
    and the rows of every kind."""
    vehicles = Counter(ids(rig, "customer", "SELECT customer_id::text FROM assets"))
    visits = Counter(ids(rig, "customer", "SELECT customer_id::text FROM visits"))
    figures = rig.query("reporting", "SELECT id, vehicles, visit_count FROM customers")
    lost = [f"{id_} {v}/{vehicles[id_]} {n}/{visits[id_]}" for id_, v, n in figures
            if v < vehicles[id_] or n < visits[id_]]
    duplicated = [f"{id_} {v}/{vehicles[id_]} {n}/{visits[id_]}" for id_, v, n in figures
                  if v > vehicles[id_] or n > visits[id_]]
    return [
        Result("reporting: each customer's vehicles and visits", len(figures), lost=len(lost),
               duplicated=len(duplicated), examples=(lost + duplicated)[:5]),
        compare("reporting: customers", ids(rig, "customer", "SELECT id::text FROM customers"),
                ids(rig, "reporting", "SELECT id FROM customers")),
        compare("reporting: visits", ids(rig, "customer", "SELECT id::text FROM visits"),
                ids(rig, "reporting", "SELECT id FROM visits")),
        compare("reporting: complaints", ids(rig, "complaint", "SELECT id::text FROM complaints"),
                ids(rig, "reporting", "SELECT id FROM complaints")),
        compare("reporting: appointments", ids(rig, "reminder", "SELECT id::text FROM appointments"),
                ids(rig, "reporting", "SELECT id FROM appointments")),
    ]


def copies_of_the_archive(rig: Rig) -> list[Result]:
    """The reminder and complaint services' copies of the customers equal the archive (id, version, name)."""
    sql = "SELECT id::text || '@' || version || '@' || coalesce(name, '') FROM customers"
    archive = ids(rig, "customer", sql)
    return [compare(f"{service}'s copy of the customers", archive, ids(rig, service, sql))
            for service in ("reminder", "complaint")]


def reminders_fired_once(rig: Rig, ledger: Ledger) -> Result:
    """Each vehicle's three-day callback fired exactly once."""
    return compare("delivery callbacks fired", ledger.acked["vehicles"], ids(
        rig, "reminder", "SELECT asset_id::text FROM reminders WHERE rule_id = 'delivery_callback_3d' "
                         "AND fired_at IS NOT NULL"), ledger.uncertain["vehicles"])


def webhook_deliveries(rig: Rig) -> Result:
    """Every webhook notification delivered, and no reminder notified twice: counted by delivery id, the id the
    receiver dedupes on (a delivery sent again under the same id, when the scheduler lost the mark of its first
    send, is the at-least-once contract of docs/events/reminder.md, not a second notification; `resent` counts
    those)."""
    reminder_of = dict(rig.query("reminder", "SELECT id::text, reminder_id::text FROM notifications "
                                             "WHERE channel = 'webhook'"))
    received = rig.receiver.counts()
    result = compare("webhook notifications delivered", reminder_of, received)
    result.duplicated = sum(count - 1 for count in Counter(reminder_of[key] for key in received
                                                           if key in reminder_of).values() if count > 1)
    result.recovery = f"{sum(count - 1 for count in received.values())} re-sent" if received else ""
    return result


def dead_letters(rig: Rig, poison: dict[str, str]) -> Result:
    """Every poison message in its queue's dead-letter queue, and nothing else there (`poison`: message id by
    queue). Read without acknowledging, so the messages stay."""
    found: list[str] = []
    connection = pika.BlockingConnection(rig.amqp())
    try:
        channel = connection.channel()
        for queue in QUEUES:
            while True:
                method, properties, _ = channel.basic_get(dead_letter_queue_name(queue), auto_ack=False)
                if method is None:
                    break
                found.append(f"{queue}:{properties.message_id}")
            channel.basic_recover(requeue=True)
    finally:
        connection.close()
    return compare("poison messages dead-lettered", [f"{queue}:{key}" for queue, key in poison.items()], found)


def everything(rig: Rig, ledger: Ledger, poison: dict[str, str]) -> list[Result]:
    """Every check, in the table's order."""
    return [*acknowledged_writes(rig, ledger), outboxes_published(rig), *consumers_applied(rig),
            *reporting_recount(rig), *copies_of_the_archive(rig), reminders_fired_once(rig, ledger),
            webhook_deliveries(rig), dead_letters(rig, poison)]
