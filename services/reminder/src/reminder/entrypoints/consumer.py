"""What this service consumes: the customer service's events (one queue, so one customer's events keep
their order), the complaint steps that start or end a complaint callback, and the gateway's users (task owners
are checked against them; staff notifications reach them)."""
from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from servicekit.consumer import Handler, Subscription
from servicekit.events import Event
from sqlalchemy.orm import Session

from reminder.config import ReminderSettings
from reminder.entrypoints.subscriptions import ARCHIVE_QUEUE, COMPLAINTS_QUEUE, QUEUES, USERS_QUEUE
from reminder.service_layer import corrections, customer_copy, escalations, visits_and_assets
from servicekit import staff

COMPLAINT_STEPS = ("resolved", "callback_recorded", "reopened", "closed", "rejected")


def handlers(zone: ZoneInfo, settings: ReminderSettings | None = None) -> dict[str, Handler]:
    """The use case applying each event type, as a consumer handler (session, event)."""
    settings = settings or ReminderSettings(zone=zone)
    def on(function: Callable, **kwargs) -> Handler:
        return lambda session, event: function(session, event.data, zone, **kwargs)

    table = {
        "customer.created.v1": on(customer_copy.apply_customer, created=True),
        "customer.updated.v1": on(customer_copy.apply_customer, created=False),
        "customer.tier_changed.v1": on(customer_copy.apply_tier),
        "customer.merged.v1": on(customer_copy.apply_merge),
        "customer.unmerged.v1": on(customer_copy.apply_unmerge),
        "asset.registered.v1": on(visits_and_assets.apply_asset),
        "visit.done.v1": on(visits_and_assets.apply_visit),
        "visit.corrected.v1": on(corrections.apply_visit_corrected),
        "visit.voided.v1": on(corrections.apply_visit_voided),
        "asset.updated.v1": on(corrections.apply_asset_updated),
        "asset.voided.v1": on(corrections.apply_asset_voided),
        "odometer.recorded.v1": on(corrections.apply_odometer),
    }
    for step in COMPLAINT_STEPS:
        table[f"complaint.{step}.v1"] = on(customer_copy.apply_complaint)
    def erase(session: Session, event: Event) -> None:
        customer_copy.apply_erasure_everywhere(session, event.data, zone, settings.outbox_file)

    table["customer.erased.v1"] = erase
    table["complaint.escalated.v1"] = lambda session, event: escalations.apply_escalation(session, event.data,
                                                                                          settings)
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
    table = dispatch(handlers(settings.zone, settings))
    return [Subscription(ARCHIVE_QUEUE, QUEUES[ARCHIVE_QUEUE], table),
            Subscription(COMPLAINTS_QUEUE, QUEUES[COMPLAINTS_QUEUE], table),
            Subscription(USERS_QUEUE, QUEUES[USERS_QUEUE], staff.apply_user_event)]
