"""This service's copy of the customers and their complaints, kept from the customer and complaint services'
events: the rows, their merges and erasure, and the copy read as the planning domain's facts."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.db import among
from servicekit.timestamps import as_utc
from sqlalchemy import Select, func, or_, select, update
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
from reminder.domain.planning_facts import (
    INACTIVE_ASSETS,
    AssetFacts,
    ComplaintFacts,
    CustomerFacts,
    counts_as_maintenance,
)
from reminder.domain.prediction import Reading

#: Tables whose rows belong to a customer and move with a merge.
OWNED = (assets, visits, complaints, reminders, appointments)
#: The stores a caller may see (None: every store).
Scope = frozenset[str] | None


def in_scope(query: Select, customer_id_column: Any, scope: Scope) -> Select:
    """`query` limited to customers of the caller's stores (records of no store are left out too)."""
    if scope is None:
        return query
    return query.where(customer_id_column.in_(select(customers.c.id).where(customers.c.store_id.in_(sorted(scope)))))


def customer_facts(row: Any) -> CustomerFacts:
    """The planning facts of a customer row."""
    return CustomerFacts(id=row.id, kind=row.kind, tier=row.tier, owner=row.owner, birthday=row.birthday,
                         created_on=row.created_on, last_visit_on=row.last_visit_on,
                         last_contact_on=row.last_contact_on, erased=row.erased_at is not None)


class CustomerCopy:
    """The copy of customers in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, customer_id: str, for_update: bool = False) -> Any | None:
        """The customer's row, or None; `for_update` locks it until the transaction ends."""
        query = select(customers).where(customers.c.id == customer_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).first()

    def lock_many(self, customer_ids: Iterable[str]) -> dict[str, Any]:
        """The rows of these customers, by id, locked until the transaction ends (in the order of their ids, as
        one customer at a time would lock them, so that two replicas locking overlapping sets wait rather than
        deadlock)."""
        query = select(customers).where(among(self.session, customers.c.id, sorted(customer_ids)))
        return {row.id: row for row in self.session.execute(query.order_by(customers.c.id).with_for_update())}

    def add_empty(self, customer_id: str, moment: datetime) -> None:
        """A row for a customer known only by id so far (an event about them came before customer.created)."""
        self.session.execute(customers.insert().values(id=customer_id, version=0, updated_at=moment))

    def change(self, customer_id: str, **values: Any) -> None:
        """Write some fields of the customer's row."""
        self.session.execute(update(customers).where(customers.c.id == customer_id).values(**values))

    def store_of(self, customer_id: str) -> str | None:
        """The customer's store, when known."""
        return self.session.execute(select(customers.c.store_id).where(customers.c.id == customer_id)).scalar()

    def last_contact_on(self, customer_id: str) -> date | None:
        """The day of the last contact kept for the customer."""
        return self.session.execute(select(customers.c.last_contact_on).where(
            customers.c.id == customer_id)).scalar()

    def by_id(self, customer_ids: set[str]) -> dict[str, Any]:
        """The rows of these customers, by id."""
        query = select(customers).where(among(self.session, customers.c.id, sorted(customer_ids)))
        return {row.id: row for row in self.session.execute(query)}

    def reachable_ids(self, store_id: str | None, scope: Scope) -> list[str]:
        """The customers not erased nor merged (of `store_id`, within `scope`), by id."""
        query = select(customers.c.id).where(customers.c.erased_at.is_(None), customers.c.merged_into.is_(None))
        if store_id is not None:
            query = query.where(customers.c.store_id == store_id)
        if scope is not None:
            query = query.where(customers.c.store_id.in_(sorted(scope)))
        return list(self.session.execute(query.order_by(customers.c.id)).scalars())

    def ids_after(self, cursor: str, limit: int) -> list[str]:
        """Up to `limit` customers (not merged away) after `cursor`, by id."""
        query = select(customers.c.id).where(customers.c.id > cursor, customers.c.merged_into.is_(None))
        return list(self.session.execute(query.order_by(customers.c.id).limit(limit)).scalars())

    def last_visit_at(self, customer_id: str, kinds: tuple[str, ...] = ()) -> datetime | None:
        """When the customer's last visit (of `kinds`, any when none given) took place; voided ones do not count."""
        query = select(func.max(visits.c.occurred_at)).where(visits.c.customer_id == customer_id,
                                                             visits.c.voided_at.is_(None))
        if kinds:
            query = query.where(visits.c.kind.in_(kinds))
        return self.session.execute(query).scalar()

    def last_spoken_at(self, customer_id: str, outcomes: tuple[str, ...]) -> datetime | None:
        """When the last task of the customer finished with one of `outcomes`."""
        return self.session.execute(select(func.max(reminders.c.completed_at)).where(
            reminders.c.customer_id == customer_id, reminders.c.outcome.in_(outcomes))).scalar()

    def merge(self, merged: str, survivor: str) -> None:
        """Every row of `merged` now belongs to `survivor` (remembering where it came from); an opt-out of the
        merged record is the person's wish, so the survivor keeps it."""
        for table in OWNED:
            self.session.execute(update(table).where(table.c.customer_id == merged).values(
                customer_id=survivor, merged_from=merged))
        already = set(self.session.execute(select(opt_outs.c.channel).where(
            opt_outs.c.customer_id == survivor)).scalars())
        for row in self.session.execute(select(opt_outs).where(opt_outs.c.customer_id == merged)).all():
            if row.channel not in already:
                self.session.execute(opt_outs.insert().values(customer_id=survivor, channel=row.channel,
                                                              created_at=row.created_at, created_by=row.created_by))
        self.change(merged, merged_into=survivor)

    def unmerge(self, restored: str, survivor: str) -> None:
        """The rows that came from `restored` go back to it."""
        for table in OWNED:
            self.session.execute(update(table).where(table.c.customer_id == survivor, table.c.merged_from == restored)
                                 .values(customer_id=restored, merged_from=None))
        self.change(restored, merged_into=None)

    def skip_pending_notifications(self, customer_id: str, reason: str) -> None:
        """The customer's notifications not sent yet will not be."""
        self.session.execute(update(notifications).where(notifications.c.customer_id == customer_id,
                                                         notifications.c.status == "pending")
                             .values(status="skipped", skip_reason=reason))

    def asset_facts(self, customer_id: str, zone: ZoneInfo) -> list[AssetFacts]:
        """The customer's active assets with their readings and maintenance visits."""
        return self.asset_facts_of([customer_id], zone)[customer_id]

    def asset_facts_of(self, customer_ids: Sequence[str], zone: ZoneInfo) -> dict[str, list[AssetFacts]]:
        """Each of these customers' active assets with their readings and maintenance visits (three statements
        for them all)."""
        facts: dict[str, list[AssetFacts]] = {customer_id: [] for customer_id in customer_ids}
        rows = self.session.execute(select(assets).where(
            among(self.session, assets.c.customer_id, sorted(facts)),
            or_(assets.c.status.is_(None), assets.c.status.not_in(INACTIVE_ASSETS))).order_by(assets.c.id)).all()
        if not rows:
            return facts
        ids = [row.id for row in rows]
        by_asset: dict[str, list[Reading]] = {asset_id: [] for asset_id in ids}
        for reading in self.session.execute(select(readings.c.asset_id, readings.c.read_on, readings.c.km)
                                            .where(among(self.session, readings.c.asset_id, ids))):
            by_asset[reading.asset_id].append(Reading(reading.read_on, reading.km))
        services: dict[str, list[tuple[date, int | None]]] = {asset_id: [] for asset_id in ids}
        for visit in self.session.execute(select(visits.c.asset_id, visits.c.occurred_at, visits.c.odometer_km,
                                                 visits.c.service_type)
                                          .where(among(self.session, visits.c.asset_id, ids),
                                                 visits.c.kind == "service", visits.c.voided_at.is_(None))):
            if not counts_as_maintenance(visit.service_type):
                continue  # a repair or a check gives a reading (kept in readings), not a maintenance
            services[visit.asset_id].append((as_utc(visit.occurred_at).astimezone(zone).date(), visit.odometer_km))
        for row in rows:
            facts[row.customer_id].append(AssetFacts(
                id=row.id, kind=row.kind, label=row.label, delivered_on=row.delivered_on, expires_on=row.expires_on,
                readings=tuple(sorted(by_asset[row.id], key=lambda r: r.read_on)),
                services=tuple(sorted(services[row.id], key=lambda s: s[0]))))
        return facts

    def complaint_facts(self, customer_id: str) -> list[ComplaintFacts]:
        """The customer's complaints as far as callbacks go."""
        return self.complaint_facts_of([customer_id])[customer_id]

    def complaint_facts_of(self, customer_ids: Sequence[str]) -> dict[str, list[ComplaintFacts]]:
        """Each of these customers' complaints as far as callbacks go (one statement for them all)."""
        facts: dict[str, list[ComplaintFacts]] = {customer_id: [] for customer_id in customer_ids}
        for row in self.session.execute(select(complaints).where(
                among(self.session, complaints.c.customer_id, sorted(facts))).order_by(complaints.c.id)):
            facts[row.customer_id].append(ComplaintFacts(
                id=row.id, status=row.status, resolved_at=as_utc(row.resolved_at),
                callback_due_at=as_utc(row.callback_due_at), assignee=row.assignee))
        return facts


class ComplaintCopy:
    """The copy of complaints (their status, assignee and callback target) in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, complaint_id: str) -> Any | None:
        """The kept complaint's id and when it last changed, or None."""
        return self.session.execute(select(complaints.c.id, complaints.c.updated_at)
                                    .where(complaints.c.id == complaint_id)).first()

    def add(self, complaint_id: str, values: dict[str, Any]) -> None:
        """Keep a complaint seen for the first time."""
        self.session.execute(complaints.insert().values(id=complaint_id, **values))

    def change(self, complaint_id: str, values: dict[str, Any]) -> None:
        """Write a kept complaint's new state."""
        self.session.execute(update(complaints).where(complaints.c.id == complaint_id).values(**values))
