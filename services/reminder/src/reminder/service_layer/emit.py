"""Events of reminders and appointments, built from their rows and written to the outbox."""
from __future__ import annotations

from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session

from reminder import events
from reminder.adapters.customer_copy import CustomerCopy


def store_of(session: Session, customer_id: str) -> str | None:
    """The customer's store, when known."""
    return CustomerCopy(session).store_of(customer_id)


def reminder_values(row: Any, store_id: str | None, **changes: Any) -> dict[str, Any]:
    """The `data` every reminder.* event carries, from a reminder row (with `changes` applied)."""
    values = {"reminder_id": row.id, "customer_id": row.customer_id, "asset_id": row.asset_id, "rule": row.rule_id,
              "rule_kind": row.kind, "due_at": as_utc(row.due_at), "owner": row.owner, "store_id": store_id,
              "reason": row.reason, "status": row.status}
    values.update(changes)
    return values


def emit_reminder(session: Session, type: str, row: Any, store_id: str | None, **changes: Any) -> None:
    """Write a reminder.* event about `row` to the outbox."""
    events.CONTRACT.emit(session, type, row.id, reminder_values(row, store_id, **changes))


def appointment_values(row: Any, store_id: str | None, **changes: Any) -> dict[str, Any]:
    """The `data` every appointment.* event carries."""
    values = {"appointment_id": row.id, "customer_id": row.customer_id, "asset_id": row.asset_id,
              "reminder_id": row.reminder_id, "purpose": row.purpose, "scheduled_at": as_utc(row.scheduled_at),
              "booked_by": row.booked_by, "store_id": store_id, "status": row.status}
    values.update(changes)
    return values


def emit_appointment(session: Session, type: str, row: Any, **changes: Any) -> None:
    """Write an appointment.* event about `row` to the outbox."""
    events.CONTRACT.emit(session, type, row.id, appointment_values(row, store_of(session, row.customer_id), **changes))


def emit_rule_changed(session: Session, rule: dict[str, Any], actor: str | None, at: Any,
                      removed: bool = False) -> None:
    """Write a reminder.rule_changed.v1 event about `rule` (as the rules API shows it) to the outbox."""
    events.CONTRACT.emit(session, events.REMINDER_RULE_CHANGED, rule["id"], {
        "rule": rule["id"], "rule_kind": rule["kind"], "enabled": rule["enabled"], "params": rule["params"],
        "removed": removed, "changed_by": actor, "changed_at": as_utc(at)})
