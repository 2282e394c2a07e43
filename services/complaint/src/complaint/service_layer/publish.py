"""Turning what happened to a complaint into its published events (checked, into the outbox)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from complaint.domain.complaints import Complaint, Happened
from complaint.events import CONTRACT


def common_data(complaint: Complaint, step: Happened) -> dict[str, Any]:
    """What every complaint.* event carries: the complaint after `step`."""
    return {
        "complaint_id": complaint.id, "customer_id": complaint.customer_id, "store_id": complaint.store_id,
        "channel": complaint.channel, "category": complaint.category, "subcategory": complaint.subcategory,
        "severity": complaint.severity, "status": step.to_status, "department": complaint.department,
        "assignee": complaint.assignee, "escalation_level": complaint.escalation_level,
        "waiting_on_customer": complaint.waiting_on_customer, "filed_at": complaint.filed_at,
        "occurred_at": step.at, "actor": step.actor, "sla": complaint.clocks.figures(),
    }


def publish(session: Session, *changed: Complaint) -> None:
    """Add an event for every step of the `changed` complaints that has one, in order, to the outbox of
    `session`'s transaction (one statement)."""
    CONTRACT.emit_many(session, [(f"complaint.{step.event}.v1", complaint.id,
                                  {**common_data(complaint, step), **step.event_data})
                                 for complaint in changed for step in complaint.happened if step.event is not None])
    for complaint in changed:
        complaint.happened.clear()
