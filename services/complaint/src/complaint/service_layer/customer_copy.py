"""Use case: keep this service's copy of the customers in step with the customer service's events."""
from __future__ import annotations

from datetime import UTC, datetime

from servicekit.events import Event
from sqlalchemy.orm import Session

from complaint.adapters.customers import CustomerCopy


def _moment(event: Event, name: str) -> datetime:
    raw = event.data.get(name) or event.time
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)


def apply_customer_event(session: Session, event: Event) -> None:
    """Keep the customer copy in step with one customer.* event (unknown fields are ignored)."""
    copy, data = CustomerCopy(session), event.data
    kind = event.type.rsplit(".", 1)[0]
    if kind in ("customer.created", "customer.updated"):
        copy.upsert(str(data["id"]), int(data["version"]), data, _moment(event, "updated_at"))
    elif kind == "customer.merged":
        copy.merge(str(data["survivor_id"]), str(data["merged_id"]), _moment(event, "merged_at"))
    elif kind == "customer.unmerged":
        copy.unmerge(str(data["survivor_id"]), str(data["restored_id"]), _moment(event, "unmerged_at"))
    elif kind == "customer.erased":
        copy.erase(str(data["customer_id"]), _moment(event, "erased_at"))
    elif kind == "customer.tier_changed":
        copy.change_tier(str(data["customer_id"]), str(data["to_tier"]), _moment(event, "changed_at"))
