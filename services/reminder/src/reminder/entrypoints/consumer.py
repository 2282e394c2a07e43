"""What this service consumes: the customer service's events (one queue, so one customer's events keep
their order), the complaint steps that start or end a complaint callback, and the gateway's users (task owners
are checked against them; staff notifications reach them)."""
from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from servicekit.consumer import Handler, Subscription
from servicekit.events import Event
from servicekit.topology import QUEUES
from sqlalchemy.orm import Session

from reminder.config import ReminderSettings
from reminder.service_layer import archive, customer_changes
from servicekit import staff

ARCHIVE_QUEUE = "reminder.customer_events"
COMPLAINTS_QUEUE = "reminder.complaints"
USERS_QUEUE = "reminder.users"
COMPLAINT_STEPS = ("resolved", "callback_recorded", "reopened", "closed", "rejected")


def handlers(zone: ZoneInfo) -> dict[str, Handler]:
    """The use case applying each event type, as a consumer handler (session, event)."""
    def on(function: Callable, **kwargs) -> Handler:
        return lambda session, event: function(session, event.data, zone, **kwargs)

    table = {
        "customer.created.v1": on(archive.apply_customer, created=True),
        "customer.updated.v1": on(archive.apply_customer, created=False),
        "customer.tier_changed.v1": on(archive.apply_tier),
        "customer.merged.v1": on(customer_changes.apply_merge),
        "customer.unmerged.v1": on(customer_changes.apply_unmerge),
        "customer.erased.v1": on(customer_changes.apply_erasure),
        "asset.registered.v1": on(archive.apply_asset),
        "visit.done.v1": on(archive.apply_visit),
    }
    for step in COMPLAINT_STEPS:
        table[f"complaint.{step}.v1"] = on(archive.apply_complaint)
    return table


def dispatch(table: dict[str, Handler]) -> Handler:
    """One handler for a queue fed several event types; a type it does not know is ignored."""
    def handle(session: Session, event: Event) -> None:
        handler = table.get(event.type)
        if handler is not None:
            handler(session, event)
    return handle


def subscriptions(settings: ReminderSettings) -> list[Subscription]:
    """The queues and handlers of `python -m reminder consume`."""
    table = dispatch(handlers(settings.zone))
    return [Subscription(ARCHIVE_QUEUE, QUEUES[ARCHIVE_QUEUE], table),
            Subscription(COMPLAINTS_QUEUE, QUEUES[COMPLAINTS_QUEUE], table),
            Subscription(USERS_QUEUE, QUEUES[USERS_QUEUE], staff.apply_user_event)]
