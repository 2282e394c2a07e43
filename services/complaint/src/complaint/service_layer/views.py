"""What the API shows of a complaint."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from complaint.config import ComplaintSettings
from complaint.domain.complaints import Complaint

SHOWN = ("id", "customer_id", "store_id", "channel", "category", "subcategory", "severity", "description", "status",
         "department", "assignee", "resolution", "remedy_cost", "responsible_party", "escalation_level", "escalated_to",
         "round", "callbacks_in_round", "last_satisfaction", "waiting_on_customer", "breached", "filed_at", "filed_by",
         "updated_at", "version")


def complaint_view(complaint: Complaint, config: ComplaintSettings, customer_name: str | None = None
                   ) -> dict[str, Any]:
    """The complaint with its customer's name, its SLA figures as they stand now (time left in working hours)
    and the steps it may take next."""
    view = {name: getattr(complaint, name) for name in SHOWN}
    view["customer_name"] = customer_name
    view["sla"] = complaint.clocks.standing(config.calendar, datetime.now(UTC))
    view["allowed_next"] = complaint.allowed_next(config.rules)
    view["callbacks_needed"] = config.rules.callbacks_needed(complaint.category)
    return view
