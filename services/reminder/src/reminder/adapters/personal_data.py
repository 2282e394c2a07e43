"""Reading everything this service holds on one person: their reminders and tasks, notifications, appointments,
opt-outs, and the copies of the customer, their vehicles, readings, visits and complaints."""
from __future__ import annotations

from typing import Any

from servicekit.held import check_person_scope, held_rows, person_ids
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reminder.adapters.tables import (
    appointments,
    assets,
    complaints,
    customers,
    notifications,
    opt_outs,
    readings,
    reminders,
    visits,
)


def _owned(table, ids: list[str]):
    """Rows of the person: under one of their ids, or moved by a merge from one of them."""
    return or_(table.c.customer_id.in_(ids), table.c.merged_from.in_(ids))


def held_on(session: Session, customer_id: str, merged: list[str], scope: frozenset[str] | None) -> dict[str, Any]:
    """The rows held on the customer and the records merged into it (those named in `merged` and those this
    service knows of), by table; a caller limited to stores sees only a customer of theirs."""
    check_person_scope(session, customers, customer_id, scope)
    ids = person_ids(session, customers, customer_id, merged)
    copies = {row["id"]: row for row in held_rows(session, select(customers).where(customers.c.id.in_(ids)))}
    held_assets = held_rows(session, select(assets).where(_owned(assets, ids)).order_by(assets.c.id))
    held_reminders = held_rows(session, select(reminders).where(_owned(reminders, ids))
                               .order_by(reminders.c.due_at, reminders.c.id))
    reminder_ids = [row["id"] for row in held_reminders]
    return {
        "customer": copies.get(customer_id),
        "merged_records": [copies[other] for other in ids[1:] if other in copies],
        "assets": held_assets,
        "readings": held_rows(session, select(readings).where(
            readings.c.asset_id.in_([row["id"] for row in held_assets])).order_by(readings.c.id)),
        "visits": held_rows(session, select(visits).where(_owned(visits, ids))
                            .order_by(visits.c.occurred_at, visits.c.id)),
        "complaints": held_rows(session, select(complaints).where(_owned(complaints, ids))
                                .order_by(complaints.c.updated_at, complaints.c.id)),
        "reminders": held_reminders,
        "notifications": held_rows(session, select(notifications).where(or_(
            notifications.c.customer_id.in_(ids), notifications.c.reminder_id.in_(reminder_ids)))
            .order_by(notifications.c.created_at, notifications.c.id)),
        "appointments": held_rows(session, select(appointments).where(_owned(appointments, ids))
                                  .order_by(appointments.c.scheduled_at, appointments.c.id)),
        "opt_outs": held_rows(session, select(opt_outs).where(opt_outs.c.customer_id.in_(ids))
                              .order_by(opt_outs.c.customer_id, opt_outs.c.channel)),
    }
