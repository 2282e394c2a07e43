"""Everything this service holds about one person (PIPL art. 45, GDPR art. 15): their reminders and tasks, the
notifications sent or meant for them (text, channel, address), appointments, opt-outs, and this service's copies
of the customer, their vehicles, readings, visits and complaints.

The person is the customer asked for and the records merged into it (those the caller names, and those this
service knows were merged), including rows a merge moved away from a merged record asked for directly.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.db import unit_of_work
from servicekit.held import check_person_scope, held_rows, person_ids
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

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


def personal_data(sessions: sessionmaker[Session], customer_id: str, merged: list[str],
                  scope: frozenset[str] | None) -> dict[str, Any]:
    """The reminder service's section of a personal-data export."""
    with unit_of_work(sessions) as session:
        check_person_scope(session, customers, customer_id, scope)
        ids = person_ids(session, customers, customer_id, merged)
        copies = {row["id"]: row for row in held_rows(session, select(customers).where(customers.c.id.in_(ids)))}
        held_assets = held_rows(session, select(assets).where(_owned(assets, ids)).order_by(assets.c.id))
        held_reminders = held_rows(session, select(reminders).where(_owned(reminders, ids))
                                   .order_by(reminders.c.due_at, reminders.c.id))
        reminder_ids = [row["id"] for row in held_reminders]
        document = {
            "service": "reminder", "exported_at": datetime.now(UTC), "customer_id": customer_id,
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
    return document
