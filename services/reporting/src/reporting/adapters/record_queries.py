"""Reads of the read model's records beyond a lookup by key (reporting.adapters.record_cache holds those):
a customer's records, their activity, a vehicle's first maintenance, bookings waiting for their reminder.

Callers write the rows their transaction changed first (record_cache.flush) where these must see them.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select, text
from sqlalchemy.orm import Session

from reporting.adapters.tables import appointments, merges, vehicles, visits
from reporting.domain.event_values import CUSTOMER_VISITS, MAINTENANCE

#: The advisory lock key of the read model's writers (any fixed number: "guanxi.reporting" as an integer).
READ_MODEL_LOCK = 0x6775616E78697270


def lock_read_model(session: Session) -> None:
    """On PostgreSQL, hold the read model's writers' lock until the transaction ends (elsewhere: nothing)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": READ_MODEL_LOCK})


def any_merge(session: Session) -> bool:
    """Whether any merge stands."""
    return session.execute(select(merges.c.merged_id).limit(1)).first() is not None


def merges_into(session: Session, customer_id: str) -> Iterator[Any]:
    """The merges standing whose survivor is `customer_id`."""
    return iter(session.execute(select(merges).where(merges.c.survivor_id == customer_id)).mappings().all())


def forget_merge(session: Session, merged_id: str) -> None:
    """The merge of `merged_id` stands no more (undone)."""
    session.execute(merges.delete().where(merges.c.merged_id == merged_id))


def rows_of(session: Session, table: Table, customer_id: str) -> list[Any]:
    """The rows of `table` that count for the customer."""
    return list(session.execute(select(table).where(table.c.customer_id == customer_id)).mappings())


def rows_merged_from(session: Session, table: Table, merged_id: str) -> list[Any]:
    """The rows of `table` a merge took from `merged_id`."""
    return list(session.execute(select(table).where(table.c.merged_from == merged_id)).mappings())


def rows_elsewhere(session: Session, table: Table, customer_id: str, store_id: str | None) -> list[Any]:
    """The customer's rows of `table` counted under another store than `store_id`."""
    return list(session.execute(select(table).where(table.c.customer_id == customer_id,
                                                    table.c.store_id.is_distinct_from(store_id))).mappings())


def has_vehicles_or_visits(session: Session, customer_id: str) -> bool:
    """Whether a vehicle or a visit of the customer is recorded."""
    return any(session.execute(select(table.c.id).where(table.c.customer_id == customer_id).limit(1)).first()
               for table in (vehicles, visits))


def _owned() -> ColumnElement[bool]:
    """Vehicles a customer owns now: not sold, scrapped or registered by mistake."""
    return vehicles.c.status.is_(None) | (vehicles.c.status == "active")


def visit_activity(session: Session, customer_id: str) -> tuple[int, int, date | None, int]:
    """(visits in which the customer came, their spend in fen, the last of their days, vehicles owned now)."""
    count, spend, last = session.execute(
        select(func.count(), func.coalesce(func.sum(visits.c.amount_fen), 0), func.max(visits.c.day))
        .where(visits.c.customer_id == customer_id, visits.c.kind.in_(CUSTOMER_VISITS),
               visits.c.voided.is_(False))).one()
    owned = session.execute(select(func.count()).select_from(vehicles)
                            .where(vehicles.c.customer_id == customer_id, _owned())).scalar_one()
    if isinstance(last, str):
        last = date.fromisoformat(last)
    return count, int(spend), last, owned


def owned_models(session: Session, customer_id: str) -> list[str | None]:
    """The model of each vehicle the customer owns now, the one delivered last first."""
    return list(session.execute(select(vehicles.c.model).where(vehicles.c.customer_id == customer_id, _owned())
                                .order_by(vehicles.c.delivered_day.desc().nulls_last(), vehicles.c.id)).scalars())


def maintenance_visit() -> ColumnElement[bool]:
    """reporting.domain.event_values.is_maintenance in SQL."""
    kind = visits.c.service_type
    return (visits.c.kind == "service") & (kind.is_(None) | (kind == "") | (kind == MAINTENANCE)
                                           | kind.contains("保养"))


def first_maintenance_day(session: Session, asset_id: str) -> date | None:
    """The day of the vehicle's earliest maintenance visit not voided, or None."""
    first = session.execute(select(func.min(visits.c.day)).where(
        visits.c.asset_id == asset_id, visits.c.voided.is_(False), maintenance_visit())).scalar()
    return date.fromisoformat(first) if isinstance(first, str) else first


def any_booking_unplaced(session: Session) -> bool:
    """Whether any appointment booked from a reminder waits for that reminder's due day."""
    return session.execute(select(appointments.c.id).where(
        appointments.c.reminder_id.is_not(None), appointments.c.reminder_day.is_(None)).limit(1)).first() is not None


def bookings_to_place(session: Session, reminder_id: str, due_day: date | None) -> list[str]:
    """The ids of the appointments booked from the reminder and counted on another day than `due_day`."""
    return [row["id"] for row in session.execute(select(appointments).where(
        appointments.c.reminder_id == reminder_id, appointments.c.reminder_day.is_distinct_from(due_day))).mappings()]
