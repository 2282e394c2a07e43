"""This service's copy of the customer archive, read as the planning domain's facts."""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reminder.adapters.clock import aware
from reminder.adapters.tables import assets, complaints, customers, readings, visits
from reminder.domain.facts import INACTIVE_ASSETS, AssetFacts, ComplaintFacts, CustomerFacts, counts_as_maintenance
from reminder.domain.prediction import Reading


def customer_row(session: Session, customer_id: str, for_update: bool = False) -> Any | None:
    """The customer's row in this service's copy, or None."""
    query = select(customers).where(customers.c.id == customer_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).first()


def customer_facts(row: Any) -> CustomerFacts:
    """The planning facts of a customer row."""
    return CustomerFacts(id=row.id, kind=row.kind, tier=row.tier, owner=row.owner, birthday=row.birthday,
                         created_on=row.created_on, last_visit_on=row.last_visit_on,
                         last_contact_on=row.last_contact_on, erased=row.erased_at is not None)


def asset_facts(session: Session, customer_id: str, zone: ZoneInfo) -> list[AssetFacts]:
    """The customer's assets with their readings and service visits."""
    rows = session.execute(select(assets).where(
        assets.c.customer_id == customer_id,
        or_(assets.c.status.is_(None), assets.c.status.not_in(INACTIVE_ASSETS))).order_by(assets.c.id)).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    by_asset: dict[str, list[Reading]] = {asset_id: [] for asset_id in ids}
    for reading in session.execute(select(readings.c.asset_id, readings.c.read_on, readings.c.km)
                                   .where(readings.c.asset_id.in_(ids))):
        by_asset[reading.asset_id].append(Reading(reading.read_on, reading.km))
    services: dict[str, list[tuple[date, int | None]]] = {asset_id: [] for asset_id in ids}
    for visit in session.execute(select(visits.c.asset_id, visits.c.occurred_at, visits.c.odometer_km,
                                        visits.c.service_type)
                                 .where(visits.c.asset_id.in_(ids), visits.c.kind == "service",
                                        visits.c.voided_at.is_(None))):
        if not counts_as_maintenance(visit.service_type):
            continue  # a repair or a check gives a reading (kept in readings), not a maintenance
        services[visit.asset_id].append((aware(visit.occurred_at).astimezone(zone).date(), visit.odometer_km))
    return [AssetFacts(id=row.id, kind=row.kind, label=row.label, delivered_on=row.delivered_on,
                       expires_on=row.expires_on, readings=tuple(sorted(by_asset[row.id], key=lambda r: r.read_on)),
                       services=tuple(sorted(services[row.id], key=lambda s: s[0])))
            for row in rows]


def complaint_facts(session: Session, customer_id: str) -> list[ComplaintFacts]:
    """The customer's complaints as far as callbacks go."""
    return [ComplaintFacts(id=row.id, status=row.status, resolved_at=aware(row.resolved_at),
                           callback_due_at=aware(row.callback_due_at), assignee=row.assignee)
            for row in session.execute(select(complaints).where(complaints.c.customer_id == customer_id)
                                       .order_by(complaints.c.id))]
