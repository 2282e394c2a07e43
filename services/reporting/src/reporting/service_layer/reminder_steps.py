"""Reminders (reminder.due / sent / completed) and appointments (appointment.*) of the reminder service:
the furthest step each reached, and the appointments booked from a reminder, counted on its due day."""
from __future__ import annotations

from datetime import date

from servicekit.events import Event
from sqlalchemy.orm import Session

from reporting.adapters import record_cache, record_queries
from reporting.adapters.tables import appointments, reminders
from reporting.service_layer.record_keeping import local_day, row, save, survivor

#: How far along each step is: a reminder or an appointment keeps the furthest it reached.
STATUS_RANK = {"due": 1, "sent": 2, "completed": 3, "booked": 1, "kept": 2, "no_show": 2, "cancelled": 2}
#: session.info: whether any appointment waits for its reminder's due day (read once, then kept up to date).
UNPLACED = "reporting.unplaced_bookings"


def _furthest(step: str, status: str | None) -> bool:
    """Whether `step` is as far along as the `status` kept, or further."""
    return STATUS_RANK.get(step, 0) >= STATUS_RANK.get(status or "", 0)


def reminder_step(session: Session, event: Event) -> None:
    """reminder.due / sent / completed: the furthest step reached, the outcome, a win-back's lost reason."""
    data = event.data
    before = row(session, reminders, data["reminder_id"])
    customer_id, merged_from = survivor(session, data.get("customer_id") or "")
    after = dict(before or {"id": data["reminder_id"], "customer_id": customer_id, "merged_from": merged_from})
    after.update(rule=data.get("rule_kind") or data.get("rule") or after.get("rule"),
                 due_day=local_day(data.get("due_at")) or after.get("due_day"),
                 store_id=data.get("store_id") or after.get("store_id"))
    step = event.type.split(".")[1]  # the step, whatever the producer calls its status after it
    if _furthest(step, after.get("status")):
        after["status"] = step
    if step == "completed":
        after.update(outcome=data.get("outcome"), lost_reason=data.get("lost_reason"),
                     completed_day=local_day(data.get("completed_at") or event.time))
    save(session, reminders, before, after)
    if (before or {}).get("due_day") != after.get("due_day"):
        _rebook(session, after["id"], after.get("due_day"), before is None)


def appointment_step(session: Session, event: Event) -> None:
    """appointment.booked / kept / no_show / cancelled: the furthest status, and the reminder it came from."""
    data = event.data
    before = row(session, appointments, data["appointment_id"])
    customer_id, merged_from = survivor(session, data.get("customer_id") or "")
    after = dict(before or {"id": data["appointment_id"], "customer_id": customer_id, "merged_from": merged_from,
                            "purpose": data.get("purpose")})
    after["store_id"] = data.get("store_id") or after.get("store_id")
    if event.type.startswith("appointment.booked") or after.get("booked_day") is None:
        after["booked_day"] = local_day(event.time)
    step = event.type.split(".")[1]
    if _furthest(step, after.get("status")):
        after["status"] = step
    after["reminder_id"] = data.get("reminder_id") or after.get("reminder_id")
    if after["reminder_id"] and after.get("reminder_day") is None:
        reminder = row(session, reminders, after["reminder_id"])
        after["reminder_day"] = reminder.get("due_day") if reminder else None
        if after["reminder_day"] is None:
            session.info[UNPLACED] = True  # the reminder's first event places it (_rebook)
    save(session, appointments, before, after)


def _rebook(session: Session, reminder_id: str, due_day: date | None, new: bool) -> None:
    """The appointments booked from a reminder count on its due day (its first reminder event may come after
    them, or its due day move)."""
    if new:
        if not bookings_unplaced(session):
            return  # a reminder seen for the first time, and no booking waits for one
    record_cache.flush(session)
    for appointment_id in record_queries.bookings_to_place(session, reminder_id, due_day):
        before = row(session, appointments, appointment_id)
        if before is None:  # bookings_to_place names kept appointments only
            raise LookupError(f"appointment {appointment_id} is not in the records")
        save(session, appointments, before, {**before, "reminder_day": due_day})


def bookings_unplaced(session: Session) -> bool:
    """Whether an appointment booked from a reminder waits for the reminder's due day (read once per
    transaction; `appointment_step` notes one it records)."""
    if UNPLACED not in session.info:
        session.info[UNPLACED] = record_queries.any_booking_unplaced(session)
    return session.info[UNPLACED]
