"""What the API shows of a complaint."""
from __future__ import annotations

from typing import Any

from complaint.domain.complaints import Complaint
from complaint.domain.rules import Rules

SHOWN = ("id", "customer_id", "store_id", "channel", "category", "subcategory", "severity", "description", "status",
         "department", "assignee", "resolution", "remedy_cost", "responsible_party", "escalation_level", "escalated_to",
         "round", "callbacks_in_round", "last_satisfaction", "waiting_on_customer", "breached", "filed_at", "filed_by",
         "updated_at", "version")


def complaint_view(complaint: Complaint, rules: Rules, customer_name: str | None = None) -> dict[str, Any]:
    """The complaint with its customer's name, its SLA figures and the steps it may take next."""
    view = {name: getattr(complaint, name) for name in SHOWN}
    view["customer_name"] = customer_name
    view["sla"] = complaint.clocks.figures()
    view["allowed_next"] = complaint.allowed_next(rules)
    view["callbacks_needed"] = rules.callbacks_needed(complaint.category)
    return view
