"""Reminders, appointments, notifications, messages and opt-outs as the API shows them, from their rows."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.timestamps import as_utc

from reminder.domain.reminder_rules import OPEN
from reminder.domain.tasks import overdue_before
from reminder.domain.wording import Subject, days_overdue, describe, fill_script


def is_overdue(row: Any, moment: datetime) -> bool:
    """True for an open task due more than a day ago."""
    return row.task and row.status in OPEN and as_utc(row.due_at) < overdue_before(moment)


def reminder_dict(row: Any, moment: datetime) -> dict[str, Any]:
    """A reminder as the API shows it."""
    return {"id": row.id, "rule": row.rule_id, "rule_kind": row.kind, "customer_id": row.customer_id,
            "asset_id": row.asset_id, "due_at": as_utc(row.due_at), "status": row.status, "task": row.task,
            "owner": row.owner, "reason": row.reason, "confidence": row.confidence,
            "overdue": is_overdue(row, moment), "created_at": as_utc(row.created_at),
            "fired_at": as_utc(row.fired_at), "claimed_by": row.claimed_by, "snoozed_until": as_utc(row.snoozed_until),
            "completed_at": as_utc(row.completed_at), "completed_by": row.completed_by, "outcome": row.outcome,
            "lost_reason": row.lost_reason, "notes": row.notes, "cancel_reason": row.cancel_reason,
            "complaint_id": row.complaint_id}


def vehicle_dict(row: Any) -> dict[str, Any] | None:
    """The vehicle (or other asset) a reminder or appointment is about, as far as this service knows it."""
    if row.asset_id is None:
        return None
    return {"id": row.asset_id, "plate": row.asset_plate, "model": row.asset_model, "label": row.asset_label}


def reminder_item(row: Any, moment: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """A reminder as the lists show it: with who to call (name, phone), about which vehicle, why in words, how many
    days overdue, and the rule's call script."""
    item = reminder_dict(row, moment)
    plate = row.asset_plate or row.asset_model or row.asset_label
    subject = Subject(kind=row.kind, rule_id=row.rule_id, key=row.key, reason=row.reason,
                      due_on=as_utc(row.due_at).astimezone(zone).date(),
                      params=json.loads(row.rule_params) if row.rule_params else {}, rule_name=row.rule_name,
                      vehicle=plate, delivered_on=row.asset_delivered_on, zone=zone)
    open_task = row.task and row.status in OPEN
    item.update(customer_name=row.customer_name, customer_phone=row.customer_phone, vehicle=vehicle_dict(row),
                rule_name=row.rule_name, reason_text=describe(subject),
                days_overdue=days_overdue(as_utc(row.due_at), moment, zone) if open_task else 0,
                script=fill_script(row.rule_script, row.customer_name, row.asset_plate, row.asset_model),
                visit_id=row.visit_id, callback=json.loads(row.callback) if row.callback else None)
    return item


def notification_dict(row: Any) -> dict[str, Any]:
    """A notification of a reminder, with why it was not sent."""
    return {"id": row.id, "channel": row.channel, "status": row.status, "target": row.target,
            "send_at": as_utc(row.send_at), "attempts": row.attempts, "next_attempt_at": as_utc(row.next_attempt_at),
            "sent_at": as_utc(row.sent_at), "last_error": row.last_error, "note": row.note,
            "skip_reason": row.skip_reason, "local_outbox": row.local, "username": row.username}


def message_dict(row: Any) -> dict[str, Any]:
    """A message that went, with its text and its reminder's rule."""
    return {"id": row.id, "reminder_id": row.reminder_id, "rule": row.rule_id, "customer_id": row.customer_id,
            "username": row.username, "channel": row.channel, "to": row.target, "text": row.body,
            "sent_at": as_utc(row.sent_at), "local_outbox": row.local}


def appointment_dict(row: Any) -> dict[str, Any]:
    """An appointment as the API shows it, with the customer's name and phone and the vehicle."""
    return {"id": row.id, "customer_id": row.customer_id, "asset_id": row.asset_id, "reminder_id": row.reminder_id,
            "purpose": row.purpose, "scheduled_at": as_utc(row.scheduled_at), "booked_by": row.booked_by,
            "status": row.status, "visit_id": row.visit_id, "visited_at": as_utc(row.visited_at),
            "follow_up_reminder_id": row.follow_up_reminder_id, "created_at": as_utc(row.created_at),
            "customer_name": row.customer_name, "customer_phone": row.customer_phone, "vehicle": vehicle_dict(row)}


def opt_out_dict(row: Any) -> dict[str, Any]:
    """An opt-out as the API shows it."""
    return {"customer_id": row.customer_id, "channel": row.channel, "created_at": as_utc(row.created_at),
            "created_by": row.created_by}


def kpi_rows(by: str, tasks: Sequence[Any], booked: dict[Any, Any]) -> list[dict[str, Any]]:
    """Per owner or rule: tasks due, done, open, overdue; appointments booked from them, kept and missed;
    booking rate (booked / due) and show-up rate (kept / booked)."""
    result = []
    for row in sorted(tasks, key=lambda row: (row.key is None, row.key or "")):
        appointment = booked.get(row.key)
        made = appointment.booked if appointment else 0
        kept = appointment.kept if appointment else 0
        result.append({by: row.key, "tasks_due": row.due, "tasks_done": row.done, "tasks_open": row.open,
                       "tasks_overdue": row.overdue, "appointments_booked": made, "appointments_kept": kept,
                       "appointments_no_show": appointment.no_show if appointment else 0,
                       "booking_rate": round(made / row.due, 4) if row.due else None,
                       "show_up_rate": round(kept / made, 4) if made else None})
    return result
