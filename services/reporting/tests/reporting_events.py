"""Events as the producers publish them (docs/events/ and the complaint and reminder contracts), small and explicit."""
from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from servicekit.events import Event, new_event

_ids = itertools.count(1)


def uid(prefix: str) -> str:
    """A readable unique id."""
    return f"{prefix}-{next(_ids):05d}"


def event(service: str, type_: str, subject: str, time: str, data: dict[str, Any]) -> Event:
    """A CloudEvent of `type_` that happened at `time` (ISO 8601, UTC)."""
    return dataclasses.replace(new_event(service, type_, subject, data), time=time)


def customer(customer_id: str, created_at: str, kind: str = "prospect", **fields: Any) -> Event:
    data = {"id": customer_id, "version": 1, "name": "王芳", "phone": "+8613912345678", "phones": [], "kind": kind,
            "stage": kind, "region": {"province": "广东省", "city": "深圳市", "district": "南山区"},
            "source": "朋友介绍", "owner": "li.si", "wanted_model": "雅阁", "industry": "互联网", "tags": [],
            "intent_grade": "H" if kind == "prospect" else None, "created_at": created_at, "updated_at": created_at,
            **fields}
    return event("customer", "customer.created.v1", customer_id, created_at, data)


def updated(customer_id: str, version: int, at: str, **fields: Any) -> Event:
    data = {"id": customer_id, "version": version, **fields, "changes": {name: [None, v] for name, v in fields.items()}}
    return event("customer", "customer.updated.v1", customer_id, at, data)


def visit(customer_id: str, kind: str, at: str, staff: str = "zhou.sa", asset_id: str | None = None,
          **details: Any) -> Event:
    body = {"id": uid("visit"), "customer_id": customer_id, "kind": kind, "occurred_at": at, "asset_id": asset_id,
            "staff": staff, "notes": None, "details": details, "recorded_by": staff, "created_at": at}
    return event("customer", "visit.done.v1", customer_id, at, {"customer_id": customer_id, "visit": body})


def vehicle(customer_id: str, asset_id: str, delivered_on: str, model: str = "雅阁") -> Event:
    asset = {"id": asset_id, "customer_id": customer_id, "kind": "vehicle", "model": model, "plate": "粤B·D12345",
             "vin": "LHGCV1658R8012345", "delivered_on": delivered_on, "expires_on": None, "description": None,
             "odometer_km": 10, "created_at": delivered_on + "T02:00:00+00:00"}
    return event("customer", "asset.registered.v1", customer_id, delivered_on + "T02:00:00Z",
                 {"customer_id": customer_id, "asset": asset})


def merged(survivor: str, merged_id: str, at: str) -> Event:
    return event("customer", "customer.merged.v1", survivor, at,
                 {"survivor_id": survivor, "merged_id": merged_id, "merged_at": at, "undo_until": at})


def unmerged(survivor: str, restored: str, at: str) -> Event:
    return event("customer", "customer.unmerged.v1", survivor, at,
                 {"survivor_id": survivor, "restored_id": restored, "unmerged_at": at})


def erased(customer_id: str, at: str) -> Event:
    return event("customer", "customer.erased.v1", customer_id, at, {"customer_id": customer_id, "erased_at": at})


def complaint(complaint_id: str, step: str, at: str, filed_at: str, status: str, customer_id: str = "c-x",
              sla: dict | None = None, **extra: Any) -> Event:
    data = {"complaint_id": complaint_id, "customer_id": customer_id, "store_id": None, "channel": "phone",
            "category": "quality", "severity": "normal", "status": status, "department": "service",
            "assignee": "zhou.sa", "filed_at": filed_at, "occurred_at": at, "actor": "cr.lin",
            "sla": sla or {}, **extra}
    return event("complaint", f"complaint.{step}.v1", complaint_id, at, data)


def reminder(reminder_id: str, step: str, at: str, due_at: str, rule: str = "first_maintenance",
             customer_id: str = "c-x", **extra: Any) -> Event:
    status = {"completed": "done"}.get(step, step)
    data = {"reminder_id": reminder_id, "customer_id": customer_id, "asset_id": None, "rule": f"rule-{rule}",
            "rule_kind": rule, "due_at": due_at, "owner": "cr.lin", "store_id": None, "reason": rule,
            "status": status, **extra}
    return event("reminder", f"reminder.{step}.v1", reminder_id, at, data)


def appointment(appointment_id: str, step: str, at: str, customer_id: str = "c-x", **extra: Any) -> Event:
    data = {"appointment_id": appointment_id, "customer_id": customer_id, "asset_id": None, "reminder_id": None,
            "purpose": "首次保养", "scheduled_at": at, "booked_by": "cr.lin", "status": step, **extra}
    return event("reminder", f"appointment.{step}.v1", appointment_id, at, data)


def corrected(done: Event, version: int, at: str, reason: str = "录入错误", **changes: Any) -> Event:
    """visit.corrected.v1 of the visit `done` recorded: its fields (occurred_at, asset_id, staff, details…) changed."""
    before = done.data["visit"]
    body = {**before, **changes, "version": version}
    diff = {name: [before.get(name), value] for name, value in changes.items()}
    return event("customer", "visit.corrected.v1", done.subject, at, {
        "customer_id": done.data["customer_id"], "visit": body, "changes": diff, "reason": reason,
        "corrected_by": "cr.lin", "corrected_at": at})


def voided(done: Event, at: str, version: int = 2, reason: str = "重复登记") -> Event:
    """visit.voided.v1 of the visit `done` recorded."""
    body = done.data["visit"]
    return event("customer", "visit.voided.v1", done.subject, at, {
        "customer_id": done.data["customer_id"], "visit_id": body["id"], "asset_id": body.get("asset_id"),
        "kind": body["kind"], "occurred_at": body["occurred_at"], "reason": reason, "voided_by": "cr.lin",
        "voided_at": at, "version": version})


def asset_updated(registered: Event, version: int, at: str, customer_id: str | None = None, status: str = "active",
                  reason: str | None = None, **changes: Any) -> Event:
    """asset.updated.v1 of the vehicle `registered`: corrected, sold or scrapped, or transferred to `customer_id`."""
    before = registered.data["asset"]
    owner = customer_id or registered.data["customer_id"]
    asset = {**before, **changes, "customer_id": owner, "version": version, "status": status}
    diff = {name: [before.get(name), value] for name, value in changes.items()}
    if status != "active":
        diff["status"] = ["active", status]
    previous = registered.data["customer_id"] if owner != registered.data["customer_id"] else None
    return event("customer", "asset.updated.v1", owner, at, {
        "customer_id": owner, "asset": asset, "changes": diff, "reason": reason, "updated_by": "cr.lin",
        "updated_at": at, "previous_customer_id": previous})


def asset_voided(registered: Event, at: str) -> Event:
    """asset.voided.v1 of the vehicle `registered`."""
    return event("customer", "asset.voided.v1", registered.subject, at, {
        "customer_id": registered.data["customer_id"], "asset_id": registered.data["asset"]["id"],
        "reason": "登记错误", "voided_by": "cr.lin", "voided_at": at})


def again(original: Event) -> Event:
    """The same event under a new id (the inbox cannot tell it was applied: only the version can)."""
    return dataclasses.replace(original, id=uid("event"))
