"""What the API lists: reminders and appointments joined to their customer, vehicle and rule (one query, no
look-ups per row), a page at a time, and the KPI counts per owner or rule."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from reminder.adapters.customer_copy import Scope, in_scope
from reminder.adapters.tables import appointments, assets, customers, reminders, rules
from reminder.domain.reminder_rules import OPEN

REMINDER_FILTERS = (("customer_id", reminders.c.customer_id), ("owner", reminders.c.owner),
                    ("rule", reminders.c.rule_id), ("rule_kind", reminders.c.kind), ("asset_id", reminders.c.asset_id))
APPOINTMENT_FILTERS = ("customer_id", "status", "booked_by", "purpose", "reminder_id")


def _people(*columns: Any) -> Sequence[Any]:
    """The customer's name and phone and the vehicle's plate and model (an erased customer's are blank)."""
    return [*columns, customers.c.name.label("customer_name"), customers.c.phone.label("customer_phone"),
            assets.c.plate.label("asset_plate"), assets.c.model.label("asset_model"),
            assets.c.label.label("asset_label"), assets.c.delivered_on.label("asset_delivered_on")]


def enriched_reminders() -> Select:
    """Reminders with their customer, vehicle and rule (for the words, the script and the vehicle)."""
    return select(*_people(reminders), rules.c.name.label("rule_name"), rules.c.script.label("rule_script"),
                  rules.c.params.label("rule_params")).select_from(
        reminders.outerjoin(customers, customers.c.id == reminders.c.customer_id)
        .outerjoin(assets, assets.c.id == reminders.c.asset_id)
        .outerjoin(rules, rules.c.id == reminders.c.rule_id))


def enriched_appointments() -> Select:
    """Appointments with their customer and vehicle."""
    return select(*_people(appointments)).select_from(
        appointments.outerjoin(customers, customers.c.id == appointments.c.customer_id)
        .outerjoin(assets, assets.c.id == appointments.c.asset_id))


def _page(session: Session, query: Select, key: Any, order: tuple[Any, ...], page: int,
          page_size: int) -> tuple[int, Sequence[Any]]:
    total = session.execute(select(func.count()).select_from(query.with_only_columns(key).subquery())).scalar_one()
    rows = session.execute(query.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    return total, rows


class Listings:
    """The API's reads, in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def reminder(self, reminder_id: str) -> Any:
        """One reminder with its customer, vehicle and rule."""
        return self.session.execute(enriched_reminders().where(reminders.c.id == reminder_id)).one()

    def reminders(self, filters: dict[str, Any], page: int, page_size: int, tasks_only: bool, scope: Scope,
                  overdue_before: datetime) -> tuple[int, Sequence[Any]]:
        """The total and one page of the reminders matching every filter given, soonest due first."""
        query = in_scope(enriched_reminders(), reminders.c.customer_id, scope)
        if filters.get("store_id"):
            query = query.where(customers.c.store_id == filters["store_id"])
        query = query.where(*(column == filters[name] for name, column in REMINDER_FILTERS if filters.get(name)))
        if filters.get("status"):
            query = query.where(reminders.c.status.in_(filters["status"]))
        elif tasks_only:
            query = query.where(reminders.c.status.in_(OPEN))
        if tasks_only:
            query = query.where(reminders.c.task.is_(True))
        if filters.get("due_from"):
            query = query.where(reminders.c.due_at >= filters["due_from"])
        if filters.get("due_to"):
            query = query.where(reminders.c.due_at < filters["due_to"])
        if filters.get("overdue"):
            query = query.where(reminders.c.task.is_(True), reminders.c.status.in_(OPEN),
                                reminders.c.due_at < overdue_before)
        return _page(self.session, query, reminders.c.id, (reminders.c.due_at, reminders.c.id), page, page_size)

    def appointment(self, appointment_id: str) -> Any:
        """One appointment with its customer and vehicle."""
        return self.session.execute(enriched_appointments().where(appointments.c.id == appointment_id)).one()

    def appointments(self, filters: dict[str, Any], page: int, page_size: int,
                     scope: Scope) -> tuple[int, Sequence[Any]]:
        """The total and one page of the appointments matching every filter given, soonest first."""
        query = in_scope(enriched_appointments(), appointments.c.customer_id, scope)
        if filters.get("store_id"):
            query = query.where(customers.c.store_id == filters["store_id"])
        query = query.where(*(appointments.c[name] == filters[name] for name in APPOINTMENT_FILTERS
                              if filters.get(name)))
        if filters.get("from"):
            query = query.where(appointments.c.scheduled_at >= filters["from"])
        if filters.get("to"):
            query = query.where(appointments.c.scheduled_at < filters["to"])
        return _page(self.session, query, appointments.c.id, (appointments.c.scheduled_at, appointments.c.id),
                     page, page_size)

    def task_counts(self, by: str, start: datetime, end: datetime, scope: Scope,
                    overdue_before: datetime) -> tuple[Sequence[Any], dict[Any, Any]]:
        """Per owner or rule (`key`), of the tasks that fell due in [start, end): how many were due, done, open
        and overdue; and of the appointments booked from them (cancelled ones aside): booked, kept, no-show."""
        group = reminders.c.owner if by == "owner" else reminders.c.rule_id
        in_period: tuple[Any, ...] = (reminders.c.task.is_(True), reminders.c.fired_at.is_not(None),
                                      reminders.c.due_at >= start, reminders.c.due_at < end)
        if scope is not None:
            in_period += (reminders.c.customer_id.in_(select(customers.c.id).where(
                customers.c.store_id.in_(sorted(scope)))),)
        tasks = self.session.execute(select(
            group.label("key"), func.count().label("due"),
            func.count().filter(reminders.c.status == "done").label("done"),
            func.count().filter(reminders.c.status.in_(OPEN)).label("open"),
            func.count().filter(reminders.c.status.in_(OPEN), reminders.c.due_at < overdue_before).label("overdue"),
        ).where(*in_period).group_by(group)).all()
        booked = {row.key: row for row in self.session.execute(select(
            group.label("key"), func.count().label("booked"),
            func.count().filter(appointments.c.status == "kept").label("kept"),
            func.count().filter(appointments.c.status == "no_show").label("no_show"),
        ).select_from(appointments.join(reminders, reminders.c.id == appointments.c.reminder_id))
            .where(*in_period, appointments.c.status != "cancelled").group_by(group))}
        return tasks, booked
