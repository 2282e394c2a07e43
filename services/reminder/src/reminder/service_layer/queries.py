"""Reading reminders, tasks, notifications, appointments and opt-outs for the API."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reminder.adapters.clock import aware, now
from reminder.adapters.tables import appointments, assets, customers, notifications, opt_outs, reminders, rules
from reminder.domain.wording import Subject, days_overdue, describe, fill_script
from reminder.service_layer.tasks import OPEN, is_overdue, overdue_before

MAX_ROWS = 200
UTC_ZONE = ZoneInfo("UTC")
#: The stores a caller may see (None: every store); records of customers of other stores, or of no store,
#: are left out of every listing for a caller tied to stores.
Scope = frozenset[str] | None


def in_scope(query, customer_id_column, scope: Scope):
    """`query` limited to customers of the caller's stores."""
    if scope is None:
        return query
    return query.where(customer_id_column.in_(select(customers.c.id).where(customers.c.store_id.in_(sorted(scope)))))


def reminder_dict(row: Any, moment: datetime) -> dict[str, Any]:
    """A reminder as the API shows it."""
    return {"id": row.id, "rule": row.rule_id, "rule_kind": row.kind, "customer_id": row.customer_id,
            "asset_id": row.asset_id, "due_at": aware(row.due_at), "status": row.status, "task": row.task,
            "owner": row.owner, "reason": row.reason, "confidence": row.confidence,
            "overdue": is_overdue(row, moment), "created_at": aware(row.created_at),
            "fired_at": aware(row.fired_at), "claimed_by": row.claimed_by, "snoozed_until": aware(row.snoozed_until),
            "completed_at": aware(row.completed_at), "completed_by": row.completed_by, "outcome": row.outcome,
            "lost_reason": row.lost_reason, "notes": row.notes, "cancel_reason": row.cancel_reason,
            "complaint_id": row.complaint_id}


def _people(*columns: Any) -> list[Any]:
    """The customer's name and phone and the vehicle's plate and model, joined to a listing (one query, no
    look-ups per row); an erased customer's are blank already."""
    return [*columns, customers.c.name.label("customer_name"), customers.c.phone.label("customer_phone"),
            assets.c.plate.label("asset_plate"), assets.c.model.label("asset_model"),
            assets.c.label.label("asset_label"), assets.c.delivered_on.label("asset_delivered_on")]


def enriched_reminders():
    """Reminders with their customer, vehicle and rule (for the words, the script and the vehicle)."""
    return select(*_people(reminders), rules.c.name.label("rule_name"), rules.c.script.label("rule_script"),
                  rules.c.params.label("rule_params")).select_from(
        reminders.outerjoin(customers, customers.c.id == reminders.c.customer_id)
        .outerjoin(assets, assets.c.id == reminders.c.asset_id)
        .outerjoin(rules, rules.c.id == reminders.c.rule_id))


def vehicle_dict(row: Any) -> dict[str, Any] | None:
    """The vehicle (or other asset) a reminder or appointment is about, as far as this service knows it."""
    if row.asset_id is None:
        return None
    return {"id": row.asset_id, "plate": row.asset_plate, "model": row.asset_model, "label": row.asset_label}


def reminder_item(row: Any, moment: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """A reminder as the lists show it: with who to call (name, phone), about which vehicle, why in words, how many
    days overdue, and the rule's call script."""
    item = reminder_dict(row, moment)
    plate = row.asset_plate or row.asset_model or row.asset_label
    subject = Subject(kind=row.kind, rule_id=row.rule_id, key=row.key, reason=row.reason,
                      due_on=aware(row.due_at).astimezone(zone).date(),
                      params=json.loads(row.rule_params) if row.rule_params else {}, rule_name=row.rule_name,
                      vehicle=plate, delivered_on=row.asset_delivered_on, zone=zone)
    open_task = row.task and row.status in OPEN
    item.update(customer_name=row.customer_name, customer_phone=row.customer_phone, vehicle=vehicle_dict(row),
                rule_name=row.rule_name, reason_text=describe(subject),
                days_overdue=days_overdue(aware(row.due_at), moment, zone) if open_task else 0,
                script=fill_script(row.rule_script, row.customer_name, row.asset_plate, row.asset_model),
                visit_id=row.visit_id, callback=json.loads(row.callback) if row.callback else None)
    return item


def reminder_one(session: Session, reminder_id: str, moment: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """One reminder as the lists show it."""
    return reminder_item(session.execute(enriched_reminders().where(reminders.c.id == reminder_id)).one(),
                         moment, zone)


def reminders_page(session: Session, filters: dict[str, Any], page: int, page_size: int,
                   tasks_only: bool = False, scope: Scope = None, zone: ZoneInfo = UTC_ZONE) -> dict[str, Any]:
    """Reminders matching every filter given, soonest due first, with who to call and why in words."""
    query = in_scope(enriched_reminders(), reminders.c.customer_id, scope)
    if filters.get("store_id"):
        query = query.where(customers.c.store_id == filters["store_id"])
    for name, column in (("customer_id", reminders.c.customer_id), ("owner", reminders.c.owner),
                         ("rule", reminders.c.rule_id), ("rule_kind", reminders.c.kind),
                         ("asset_id", reminders.c.asset_id)):
        if filters.get(name):
            query = query.where(column == filters[name])
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
    moment = now()
    if filters.get("overdue"):
        query = query.where(reminders.c.task.is_(True), reminders.c.status.in_(OPEN),
                            reminders.c.due_at < overdue_before(moment))
    total = session.execute(select(func.count()).select_from(
        query.with_only_columns(reminders.c.id).subquery())).scalar()
    rows = session.execute(query.order_by(reminders.c.due_at, reminders.c.id)
                           .offset((page - 1) * page_size).limit(page_size)).all()
    return {"items": [reminder_item(row, moment, zone) for row in rows], "total": total, "page": page,
            "page_size": page_size}


def notification_dicts(session: Session, reminder_id: str) -> list[dict[str, Any]]:
    """The notifications of a reminder, with why any was not sent."""
    rows = session.execute(select(notifications).where(notifications.c.reminder_id == reminder_id)
                           .order_by(notifications.c.created_at, notifications.c.channel)).all()
    return [{"id": row.id, "channel": row.channel, "status": row.status, "target": row.target,
             "send_at": aware(row.send_at), "attempts": row.attempts, "next_attempt_at": aware(row.next_attempt_at),
             "sent_at": aware(row.sent_at), "last_error": row.last_error, "note": row.note,
             "skip_reason": row.skip_reason, "local_outbox": row.local, "username": row.username} for row in rows]


def appointment_dict(row: Any) -> dict[str, Any]:
    """An appointment as the API shows it, with the customer's name and phone and the vehicle."""
    return {"id": row.id, "customer_id": row.customer_id, "asset_id": row.asset_id, "reminder_id": row.reminder_id,
            "purpose": row.purpose, "scheduled_at": aware(row.scheduled_at), "booked_by": row.booked_by,
            "status": row.status, "visit_id": row.visit_id, "visited_at": aware(row.visited_at),
            "follow_up_reminder_id": row.follow_up_reminder_id, "created_at": aware(row.created_at),
            "customer_name": row.customer_name, "customer_phone": row.customer_phone, "vehicle": vehicle_dict(row)}


def enriched_appointments():
    """Appointments with their customer and vehicle."""
    return select(*_people(appointments)).select_from(
        appointments.outerjoin(customers, customers.c.id == appointments.c.customer_id)
        .outerjoin(assets, assets.c.id == appointments.c.asset_id))


def appointment_one(session: Session, appointment_id: str) -> dict[str, Any]:
    """One appointment as the API shows it."""
    return appointment_dict(session.execute(enriched_appointments().where(
        appointments.c.id == appointment_id)).one())


def appointments_page(session: Session, filters: dict[str, Any], page: int, page_size: int,
                      scope: Scope = None) -> dict[str, Any]:
    """Appointments matching the filters, soonest first."""
    query = in_scope(enriched_appointments(), appointments.c.customer_id, scope)
    if filters.get("store_id"):
        query = query.where(customers.c.store_id == filters["store_id"])
    for name in ("customer_id", "status", "booked_by", "purpose", "reminder_id"):
        if filters.get(name):
            query = query.where(appointments.c[name] == filters[name])
    if filters.get("from"):
        query = query.where(appointments.c.scheduled_at >= filters["from"])
    if filters.get("to"):
        query = query.where(appointments.c.scheduled_at < filters["to"])
    total = session.execute(select(func.count()).select_from(
        query.with_only_columns(appointments.c.id).subquery())).scalar()
    rows = session.execute(query.order_by(appointments.c.scheduled_at, appointments.c.id)
                           .offset((page - 1) * page_size).limit(page_size)).all()
    return {"items": [appointment_dict(row) for row in rows], "total": total, "page": page, "page_size": page_size}


def opt_out_dicts(session: Session, customer_id: str | None, scope: Scope = None) -> list[dict[str, Any]]:
    """Opt-outs, of one customer or all (at most MAX_ROWS)."""
    query = in_scope(select(opt_outs), opt_outs.c.customer_id, scope).order_by(
        opt_outs.c.customer_id, opt_outs.c.channel).limit(MAX_ROWS)
    if customer_id:
        query = query.where(opt_outs.c.customer_id == customer_id)
    return [opt_out_dict(row) for row in session.execute(query)]


def opt_out_dict(row: Any) -> dict[str, Any]:
    """An opt-out as the API shows it."""
    return {"customer_id": row.customer_id, "channel": row.channel, "created_at": aware(row.created_at),
            "created_by": row.created_by}


def kpis(session: Session, by: str, start: datetime, end: datetime, scope: Scope = None) -> list[dict[str, Any]]:
    """Per owner or per rule, for tasks that fell due in [start, end): due, done, overdue, open; the
    appointments booked from them, kept and missed; booking rate (booked / due) and show-up rate (kept / booked)."""
    group = reminders.c.owner if by == "owner" else reminders.c.rule_id
    in_period = (reminders.c.task.is_(True), reminders.c.fired_at.is_not(None), reminders.c.due_at >= start,
                 reminders.c.due_at < end)
    if scope is not None:
        in_period += (reminders.c.customer_id.in_(select(customers.c.id).where(
            customers.c.store_id.in_(sorted(scope)))),)
    moment = now()
    tasks = session.execute(select(
        group.label("key"), func.count().label("due"),
        func.count().filter(reminders.c.status == "done").label("done"),
        func.count().filter(reminders.c.status.in_(OPEN)).label("open"),
        func.count().filter(reminders.c.status.in_(OPEN), reminders.c.due_at < overdue_before(moment)).label("overdue"),
    ).where(*in_period).group_by(group)).all()
    booked = {row.key: row for row in session.execute(select(
        group.label("key"), func.count().label("booked"),
        func.count().filter(appointments.c.status == "kept").label("kept"),
        func.count().filter(appointments.c.status == "no_show").label("no_show"),
    ).select_from(appointments.join(reminders, reminders.c.id == appointments.c.reminder_id))
        .where(*in_period, appointments.c.status != "cancelled").group_by(group))}
    result = []
    for row in sorted(tasks, key=lambda row: (row.key is None, row.key or "")):
        appointment = booked.get(row.key)
        made = appointment.booked if appointment else 0
        kept = appointment.kept if appointment else 0
        result.append({by: row.key, "tasks_due": row.due, "tasks_done": row.done, "tasks_open": row.open,
                       "tasks_overdue": row.overdue, "appointments_booked": made, "appointments_kept": kept,
                       "appointments_no_show": appointment.no_show if appointment else 0,
                       "booking_rate": round(made / row.due, 4) if row.due else None,
                       "show_up_rate": round(kept / made, 4) if made else None})
    return result
