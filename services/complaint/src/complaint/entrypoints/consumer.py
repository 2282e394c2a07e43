"""The customer events this service applies to its own copy of the customers (one queue, so they keep
their order: created before updated, merged before unmerged), and the gateway's user events to its copy of
the users (whom complaints may be assigned to)."""
from __future__ import annotations

from servicekit.consumer import Subscription

from complaint.entrypoints.subscriptions import QUEUE, QUEUES, USERS_QUEUE
from complaint.service_layer.customer_copy import apply_customer_event
from servicekit import staff

__all__ = ["QUEUE", "apply_customer_event", "subscriptions"]


def subscriptions() -> list[Subscription]:
    """What `python -m complaint consume` applies."""
    return [Subscription(QUEUE, QUEUES[QUEUE], apply_customer_event),
            Subscription(USERS_QUEUE, QUEUES[USERS_QUEUE], staff.apply_user_event)]
