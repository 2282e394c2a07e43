"""The customer events this service applies to its own copy of the customers (one queue, so they keep
their order: created before updated, merged before unmerged), and the gateway's user events to its copy of
the users (whom complaints may be assigned to)."""
from __future__ import annotations

from datetime import UTC, datetime

from servicekit.consumer import Subscription
from servicekit.events import Event
from sqlalchemy.orm import Session

from complaint.adapters.customers import CustomerCopy
from complaint.entrypoints.subscriptions import QUEUE, QUEUES, USERS_QUEUE
from servicekit import staff


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


def subscriptions() -> list[Subscription]:
    """What `python -m complaint consume` applies."""
    return [Subscription(QUEUE, QUEUES[QUEUE], apply_customer_event),
            Subscription(USERS_QUEUE, QUEUES[USERS_QUEUE], staff.apply_user_event)]
