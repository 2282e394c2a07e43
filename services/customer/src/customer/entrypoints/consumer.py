"""What `python -m customer consume` applies: the events of other services that change the archive.

Each queue has its table of handlers by event type; an event type a table does not name is ignored.
Another copy to keep is one more queue in subscriptions.QUEUES (the event types bound to it) and one more entry
in HANDLERS.
"""
from __future__ import annotations

import servicekit.staff as servicekit_staff
from servicekit.consumer import Handler, Subscription
from servicekit.events import Event
from sqlalchemy.orm import Session

from customer.entrypoints.subscriptions import QUEUES, REMINDERS_QUEUE, USERS_QUEUE
from customer.service_layer.callback_visits import record_callback_of_reminder


def on_reminder_completed(session: Session, event: Event) -> None:
    """A callback task completed with the callback's outcome and satisfaction: record the callback visit
    (once, whatever the deliveries: its id comes from the reminder's)."""
    record_callback_of_reminder(session, event.data)


#: {queue: {event type: handler}}.
HANDLERS: dict[str, dict[str, Handler]] = {
    REMINDERS_QUEUE: {"reminder.completed.v1": on_reminder_completed},
    # the gateway's users: who may own a customer (customer.service_layer.staff)
    USERS_QUEUE: {event_type: servicekit_staff.apply_user_event for event_type in servicekit_staff.USER_EVENTS},
}


def dispatch(table: dict[str, Handler]) -> Handler:
    """One handler for a queue fed several event types; a type it does not know is ignored."""
    def handle(session: Session, event: Event) -> None:
        handler = table.get(event.type)
        if handler is not None:
            handler(session, event)
    return handle


def subscriptions() -> list[Subscription]:
    """The queues and handlers of `python -m customer consume`."""
    return [Subscription(queue, QUEUES[queue], dispatch(table)) for queue, table in HANDLERS.items()]
