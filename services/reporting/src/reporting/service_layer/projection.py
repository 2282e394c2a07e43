"""Applying events to the read model: `apply_event` is the consumer's handler, `prepare` loads a batch's rows.

Each event type has its handler, by what it is about: the customers (customer_copy), their vehicles and
visits (vehicles_and_visits), complaints (complaint_steps), reminders and appointments (reminder_steps),
the reminder service's rules (reminder_rules).
Each reads the records as they are, works out their new state, and saves both (record_keeping), which moves
the tallies by the difference. Within one aggregate the producers keep the order; across aggregates nothing
here depends on it: complaints, reminders and appointments carry what they are counted by, and a merge
applies whenever it arrives.
"""
from __future__ import annotations

from collections.abc import Callable

from servicekit.events import Event
from sqlalchemy import Table
from sqlalchemy import event as orm_events
from sqlalchemy.orm import Session

from reporting.adapters import rebuild_state, record_cache, record_queries, tally_writer
from reporting.adapters.tables import appointments, complaints, customers, merges, reminders, vehicles, visits
from reporting.service_layer import customer_copy as customer
from reporting.service_layer import record_keeping
from reporting.service_layer import vehicles_and_visits as vv
from reporting.service_layer.complaint_steps import complaint_step
from reporting.service_layer.record_keeping import any_merges
from reporting.service_layer.reminder_rules import rule_changed
from reporting.service_layer.reminder_steps import appointment_step, bookings_unplaced, reminder_step

#: The queue the live consumer applies events from (reporting.entrypoints.consumer).
LIVE_QUEUE = "reporting.read_model"
#: session.info: whether a rebuild is filling a fresh copy (read once per transaction).
REBUILDING = "reporting.rebuilding"

HANDLERS: dict[str, Callable[[Session, Event], None]] = {
    "customer.created": customer.customer_created, "customer.updated": customer.customer_updated,
    "customer.tier_changed": customer.customer_tier_changed, "customer.erased": customer.customer_erased,
    "customer.merged": customer.customer_merged, "customer.unmerged": customer.customer_unmerged,
    "asset.registered": vv.asset_registered, "asset.updated": vv.asset_updated, "asset.voided": vv.asset_voided,
    "visit.done": vv.visit_done, "visit.corrected": vv.visit_corrected, "visit.voided": vv.visit_voided,
    "reminder.due": reminder_step, "reminder.sent": reminder_step, "reminder.completed": reminder_step,
    "reminder.rule_changed": rule_changed,
    "appointment.booked": appointment_step, "appointment.kept": appointment_step,
    "appointment.no_show": appointment_step, "appointment.cancelled": appointment_step,
}
#: The event types read (routing keys), v1 of each; every complaint step is one handler.
ROUTING_KEYS = tuple(f"{name}.v1" for name in HANDLERS) + ("complaint.#",)
#: Fields of any event that name a customer (of events about customers, vehicles and visits).
CUSTOMER_FIELDS = ("id", "customer_id", "survivor_id", "merged_id", "restored_id")


def _wanted(event: Event) -> dict[Table, list[str | None]]:
    """The keys of each table an event may touch."""
    data, kind = event.data, event.type
    asset, visit = data.get("asset") or {}, data.get("visit") or {}
    about_customers = not kind.startswith(("complaint.", "reminder.", "appoint"))
    wanted: dict[Table, list[str | None]] = {
        customers: [data[name] for name in CUSTOMER_FIELDS if about_customers and isinstance(data.get(name), str)],
        merges: [data["customer_id"]] if isinstance(data.get("customer_id"), str) else [],
        vehicles: [asset.get("id"), visit.get("asset_id")],
        visits: [], complaints: [data.get("complaint_id")], appointments: [data.get("appointment_id")],
        reminders: [data.get("reminder_id")] if kind.startswith(("reminder.", "appointment.")) else [],
    }
    if kind.startswith("customer.created"):
        wanted[merges].append(data.get("id"))
    if kind.startswith(("visit.", "asset.")):
        wanted[visits] += [visit.get("id"), data.get("visit_id")]
        wanted[vehicles].append(data.get("asset_id"))
    return wanted


def prepare(session: Session, events: list[Event]) -> None:
    """Load the rows a batch of events will touch, one query per table (the consumer calls this first).

    On PostgreSQL the batch first takes the read model's lock (until it commits): the handlers read a row,
    change it and write it back, so two consumers sharing the queue must not apply batches at once, or one's
    change of a customer's figures would overwrite the other's. (Taking turns is not enough to run two: a
    customer's events must be applied in their order, so one consumer runs: docs/deployment.md.)"""
    record_queries.lock_read_model(session)
    wanted: dict[Table, set[str]] = {customers: set(), vehicles: set(), visits: set(), complaints: set(),
                                     reminders: set(), appointments: set(), merges: set()}
    for event in events:
        for table, keys in _wanted(event).items():
            wanted[table].update(filter(None, keys))
    merged = any_merges(session)
    for table, ids in wanted.items():
        if table is not merges or merged:
            record_cache.load(session, table, ids)
    # A customer created is looked up for vehicles or visits recorded before it (events overtaking each
    # other, customer_copy._recorded_before): those of the batch's new customers in one query per table.
    created: list[str] = [event.data["id"] for event in events if event.type.startswith("customer.created.")
                          and isinstance(event.data.get("id"), str)]
    if created:
        for table in (vehicles, visits):
            record_cache.load_where(session, table, "customer_id", created)
    # What the handlers would read once in the transaction, read with the rows: while they run, nothing of
    # theirs waits for the database, which inserts the batch's claim meanwhile (servicekit.inbox).
    _rebuilding(session)
    if any(event.type.startswith("reminder.") for event in events):
        bookings_unplaced(session)


def flush(session: Session) -> None:
    """Write the records and tallies this transaction changed (done before every commit): the tallies' changes
    worked out from the records saved first, then the records, then the tallies and the freshness."""
    record_keeping.settle(session)
    record_cache.flush(session)
    tally_writer.flush(session)


@orm_events.listens_for(Session, "before_commit")
def _flush_before_commit(session: Session) -> None:
    flush(session)


@orm_events.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    record_keeping.forget(session)
    record_cache.forget(session)
    tally_writer.forget(session)


def _rebuilding(session: Session) -> bool:
    """Whether a rebuild is filling a fresh copy (read once per transaction)."""
    if REBUILDING not in session.info:
        session.info[REBUILDING] = rebuild_state.building(session)
    return session.info[REBUILDING]


def apply_event(session: Session, event: Event, queue: str = LIVE_QUEUE) -> None:
    """Apply one event to the read model (the consumer's handler; types it does not know change nothing)."""
    if _rebuilding(session):
        # A rebuild is filling a fresh copy: it will apply this event too, from here (reporting.service_layer.rebuild).
        rebuild_state.keep_in_backlog(session, queue, event.to_json())
    name = event.type.rsplit(".", 1)[0]
    handler = complaint_step if name.startswith("complaint.") else HANDLERS.get(name)
    if handler is not None and event.type.endswith(".v1"):
        handler(session, event)
    tally_writer.note_event(session, event.time)


apply_event.prepare = prepare  # type: ignore[attr-defined]
