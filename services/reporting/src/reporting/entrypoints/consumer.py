"""The read model's subscription: one queue bound to every event type the reports read, and the folder of
the tallies' changes beside it."""
from __future__ import annotations

from servicekit.consumer import Subscription

from reporting.entrypoints.subscriptions import QUEUE, QUEUES
from reporting.service_layer.projection import apply_event
from reporting.service_layer.tally_folding import keep_folding


def subscriptions() -> list[Subscription]:
    """What `python -m reporting consume` applies (and, beside it, folds the tallies' changes it appends)."""
    return [Subscription(QUEUE, QUEUES[QUEUE], apply_event, beside=keep_folding)]
