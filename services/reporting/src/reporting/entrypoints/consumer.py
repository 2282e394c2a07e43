"""The read model's subscription: one queue bound to every event type the reports read."""
from __future__ import annotations

from servicekit.consumer import Subscription

from reporting.entrypoints.subscriptions import QUEUE, QUEUES
from reporting.service_layer.projection import apply_event


def subscriptions() -> list[Subscription]:
    """What `python -m reporting consume` applies."""
    return [Subscription(QUEUE, QUEUES[QUEUE], apply_event)]
