"""Erasing what this service holds about a person beyond the customer row: the labels of their vehicles
(plates), the reasons of their reminders (which name the plate), notes, what notifications said and to
whom, the events kept in the outbox (the outbox is the event history `python -m reminder replay` sends
again) and the answers kept for replays of writes (Idempotency-Key)."""
from __future__ import annotations

import json

from servicekit.db import flush_erased, outbox
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from reminder.adapters.tables import assets, notifications, reminders
from servicekit import idempotency

ERASED = "[erased]"
#: Fields of reminder.* event data that may name the person or their vehicle.
EVENT_TEXT = {"reason": ERASED, "notes": None, "lost_reason": None, "callback": None}


def erase_traces(session: Session, customer_id: str) -> None:
    """Blank every label and text about the customer (and rows a merge moved from them); ids, kinds, times
    and outcomes stay as anonymous figures."""
    session.execute(update(assets).where(or_(assets.c.customer_id == customer_id, assets.c.merged_from == customer_id))
                    .values(label=ERASED, plate=None, model=None))
    theirs = or_(reminders.c.customer_id == customer_id, reminders.c.merged_from == customer_id)
    ids = list(session.execute(select(reminders.c.id).where(theirs)).scalars())
    session.execute(update(reminders).where(theirs).values(reason=ERASED, notes=None, lost_reason=None, callback=None))
    session.execute(update(reminders).where(theirs, reminders.c.cancel_reason.is_not(None))
                    .values(cancel_reason=ERASED))
    of_them = or_(notifications.c.customer_id == customer_id, notifications.c.reminder_id.in_(ids))
    session.execute(update(notifications).where(of_them).values(target=None, body=None, last_error=None))
    # a given-up notification's reason carries the channel's error, which may quote the address
    session.execute(update(notifications).where(of_them, notifications.c.status == "failed")
                    .values(skip_reason="gave up; the error was erased with the customer's personal data"))
    for row_id, body in session.execute(select(outbox.c.id, outbox.c.body).where(outbox.c.subject.in_(ids))):
        event = json.loads(body)
        data = event.get("data")
        if isinstance(data, dict) and any(data.get(key) for key in EVENT_TEXT):
            event["data"] = {key: (EVENT_TEXT[key] if key in EVENT_TEXT and value else value)
                             for key, value in data.items()}
            session.execute(update(outbox).where(outbox.c.id == row_id).values(
                body=json.dumps(event, ensure_ascii=False, separators=(",", ":"))))
    idempotency.forget(session, [customer_id, *ids])
    flush_erased(session)
