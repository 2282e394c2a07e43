"""Everything this service holds about one person (PIPL art. 45, GDPR art. 15): their reminders and tasks, the
notifications sent or meant for them (text, channel, address), appointments, opt-outs, and this service's copies
of the customer, their vehicles, readings, visits and complaints.

The person is the customer asked for and the records merged into it (those the caller names, and those this
service knows were merged), including rows a merge moved away from a merged record asked for directly.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.auth import require_store
from servicekit.db import unit_of_work
from servicekit.held import held_rows
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

#: Merge chains are short (A into B, B into C); this bounds the walk over a broken one.
MAX_HOPS = 20


def _customer_ids(session: Session, customer_id: str, merged: list[str]) -> list[str]:
    """The customer and every record merged into it (named by the caller or known here), transitively."""
    ids = [customer_id, *(other for other in dict.fromkeys(merged) if other != customer_id)]
    frontier = list(ids)
    for _ in range(MAX_HOPS):
        found = [other for other in session.execute(select(customers.c.id).where(
            customers.c.merged_into.in_(frontier))).scalars() if other not in ids]
        if not found:
            break
        ids.extend(found)
        frontier = found
    return ids


def _check_scope(session: Session, customer_id: str, scope: frozenset[str] | None) -> None:
    """403 unless the customer (or, for a merged record, the customer it lives on in) is of the caller's stores.

    A customer this service never heard of holds nothing here: nothing to refuse.
    """
    if scope is None:
        return
    current, seen = customer_id, set()
    while current not in seen:
        seen.add(current)
        row = session.execute(select(customers.c.store_id, customers.c.merged_into)
                              .where(customers.c.id == current)).first()
        if row is None:
            return
        if row.merged_into is None:
            require_store(row.store_id)
            return
        current = row.merged_into


def _owned(table, ids: list[str]):
    """Rows of the person: under one of their ids, or moved by a merge from one of them."""
    return or_(table.c.customer_id.in_(ids), table.c.merged_from.in_(ids))


def personal_data(sessions: sessionmaker[Session], customer_id: str, merged: list[str],
                  scope: frozenset[str] | None) -> dict[str, Any]:
    """The reminder service's section of a personal-data export."""
    with unit_of_work(sessions) as session:
        _check_scope(session, customer_id, scope)
        ids = _customer_ids(session, customer_id, merged)
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
