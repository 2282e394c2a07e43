"""Merges, their undo and erasure, as the customer service announces them: this service's rows follow."""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reminder.adapters import incoming
from reminder.adapters.clock import aware, now, utc
from reminder.adapters.erasure import erase_traces
from reminder.adapters.tables import (
    appointments,
    assets,
    complaints,
    customers,
    notifications,
    opt_outs,
    reminders,
    visits,
)
from reminder.service_layer.archive import COMING_IN, ensure_customer, replan
from reminder.service_layer.tasks import CONTACTED

#: Tables whose rows belong to a customer and move with a merge.
OWNED = (assets, visits, complaints, reminders, appointments)


def refresh_last_visits(session: Session, customer_id: str, zone: ZoneInfo) -> None:
    """Recompute the last visit and contact days from the visits kept (after rows moved between customers, or a
    visit was corrected or voided) and the tasks in which someone spoke with the customer; a voided visit counts
    for nothing."""
    def day(moment: Any) -> date | None:
        return aware(moment).astimezone(zone).date() if moment else None

    def last(*kinds: str) -> date | None:
        query = select(func.max(visits.c.occurred_at)).where(visits.c.customer_id == customer_id,
                                                             visits.c.voided_at.is_(None))
        if kinds:
            query = query.where(visits.c.kind.in_(kinds))
        return day(session.execute(query).scalar())

    spoken = day(session.execute(select(func.max(reminders.c.completed_at)).where(
        reminders.c.customer_id == customer_id, reminders.c.outcome.in_(CONTACTED))).scalar())
    session.execute(update(customers).where(customers.c.id == customer_id).values(
        last_visit_on=last(*COMING_IN), last_contact_on=max(filter(None, (last(), spoken)), default=None)))


def apply_merge(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """customer.merged.v1: every row of the merged customer now belongs to the survivor (and remembers it)."""
    loaded = incoming.MergedIn().load(data)
    survivor, merged = loaded["survivor_id"], loaded["merged_id"]
    ensure_customer(session, survivor)
    ensure_customer(session, merged)
    for table in OWNED:
        session.execute(update(table).where(table.c.customer_id == merged).values(
            customer_id=survivor, merged_from=merged))
    # an opt-out of the merged record is the person's wish: the survivor keeps it
    already = set(session.execute(select(opt_outs.c.channel).where(opt_outs.c.customer_id == survivor)).scalars())
    for row in session.execute(select(opt_outs).where(opt_outs.c.customer_id == merged)).all():
        if row.channel not in already:
            session.execute(opt_outs.insert().values(customer_id=survivor, channel=row.channel,
                                                     created_at=row.created_at, created_by=row.created_by))
    session.execute(update(customers).where(customers.c.id == merged).values(merged_into=survivor))
    refresh_last_visits(session, survivor, zone)
    replan(session, survivor, zone, f"customer {merged} merged into {survivor}")


def apply_unmerge(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """customer.unmerged.v1: the rows that came from the restored customer go back to it."""
    loaded = incoming.UnmergedIn().load(data)
    survivor, restored = loaded["survivor_id"], loaded["restored_id"]
    ensure_customer(session, restored)
    for table in OWNED:
        session.execute(update(table).where(table.c.customer_id == survivor, table.c.merged_from == restored)
                        .values(customer_id=restored, merged_from=None))
    session.execute(update(customers).where(customers.c.id == restored).values(merged_into=None))
    for customer_id in (survivor, restored):
        refresh_last_visits(session, customer_id, zone)
        replan(session, customer_id, zone, f"merge of {restored} into {survivor} undone")


def apply_erasure(session: Session, data: dict[str, Any], zone: ZoneInfo) -> None:
    """customer.erased.v1: drop the personal data (the customer row, plates, reasons, notification texts, kept
    events and answers), keep the anonymous figures (reminders, outcomes, counts)."""
    loaded = incoming.ErasedIn().load(data)
    customer_id = loaded["customer_id"]
    ensure_customer(session, customer_id)
    session.execute(update(customers).where(customers.c.id == customer_id).values(
        name=None, phone=None, email=None, birthday=None, quiet_start=None, quiet_end=None, wechat_openid=None,
        erased_at=utc(loaded["erased_at"]), updated_at=now()))
    session.execute(update(notifications).where(notifications.c.customer_id == customer_id,
                                                notifications.c.status == "pending")
                    .values(status="skipped", skip_reason="the customer's personal data was erased"))
    erase_traces(session, customer_id)
    replan(session, customer_id, zone, "customer's personal data erased")
