"""What this service consumes: the customer service's events (one queue, so one customer's events keep
their order) and the complaint steps that start or end a complaint callback."""
from __future__ import annotations

from servicekit.consumer import Subscription
from servicekit.topology import QUEUES

from reminder.config import ReminderSettings
from reminder.service_layer.archive import dispatch, handlers

ARCHIVE_QUEUE = "reminder.customer_events"
COMPLAINTS_QUEUE = "reminder.complaints"


def subscriptions(settings: ReminderSettings) -> list[Subscription]:
    """The queues and handlers of `python -m reminder consume`."""
    table = dispatch(handlers(settings.zone))
    return [Subscription(ARCHIVE_QUEUE, QUEUES[ARCHIVE_QUEUE], table),
            Subscription(COMPLAINTS_QUEUE, QUEUES[COMPLAINTS_QUEUE], table)]
