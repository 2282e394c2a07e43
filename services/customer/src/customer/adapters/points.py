"""The points ledger and the balance and tier kept on the customer row."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from customer.adapters.tables import customers, points_ledger
from customer.domain.points import TIERS


class PointsRepository:
    """Points of customers in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def account(self, customer_id: str, for_update: bool = False) -> dict[str, Any] | None:
        """{balance, tier, erased_at} of a customer, or None; `for_update` locks the row until commit."""
        query = select(customers.c.points_balance.label("balance"), customers.c.tier, customers.c.erased_at,
                       customers.c.merged_into).where(customers.c.id == customer_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return None if row is None else dict(row)

    def rebalance(self, customer_id: str) -> None:
        """Set the customer's balance to what its ledger sums to."""
        balance = self.session.execute(select(func.coalesce(func.sum(points_ledger.c.points), 0))
                                       .where(points_ledger.c.customer_id == customer_id)).scalar_one()
        self.session.execute(update(customers).where(customers.c.id == customer_id).values(points_balance=balance))

    def change_balance(self, customer_id: str, change: int, tier: str) -> int | None:
        """Add `change` to the balance and set `tier`, unless that would go below zero; the new balance or None.

        The condition is re-checked by the database, so even a writer that did not lock the row first
        cannot take the balance below zero (and the check constraint stands behind it).
        """
        row = self.session.execute(
            update(customers).where(customers.c.id == customer_id, customers.c.points_balance + change >= 0)
            .values(points_balance=customers.c.points_balance + change, tier=tier)
            .returning(customers.c.points_balance)).first()
        return None if row is None else row[0]

    def add_entry(self, customer_id: str, at: datetime, kind: str, points: int, reason: str | None,
                  actor: str, ref: str | None = None) -> None:
        """Keep one ledger entry."""
        self.session.execute(insert(points_ledger).values(customer_id=customer_id, at=at, kind=kind, points=points,
                                                          reason=reason, ref=ref, actor=actor))

    def has_ref(self, ref: str) -> bool:
        """True when an entry answering to `ref` is already kept."""
        return self.session.execute(select(points_ledger.c.id).where(points_ledger.c.ref == ref)).first() is not None

    def held_by(self, ref: str) -> int:
        """The points of the entries answering to `ref` and to `ref:…` (a visit's earn and its corrections)."""
        return self.session.execute(select(func.coalesce(func.sum(points_ledger.c.points), 0)).where(
            (points_ledger.c.ref == ref) | points_ledger.c.ref.startswith(f"{ref}:", autoescape=True))).scalar_one()

    def entries(self, customer_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of a customer's entries, newest first, and how many there are."""
        where = points_ledger.c.customer_id == customer_id
        total = self.session.execute(select(func.count()).where(where)).scalar_one()
        rows = self.session.execute(
            select(points_ledger.c.id, points_ledger.c.at, points_ledger.c.kind, points_ledger.c.points,
                   points_ledger.c.reason, points_ledger.c.actor)
            .where(where).order_by(points_ledger.c.id.desc()).offset(offset).limit(limit)).mappings()
        return [{**row, "at": as_utc(row["at"])} for row in rows], total

    def movements(self, customer_id: str) -> list[tuple[datetime, int]]:
        """Every (time, points) of a customer's entries, oldest first."""
        rows = self.session.execute(select(points_ledger.c.at, points_ledger.c.points)
                                    .where(points_ledger.c.customer_id == customer_id).order_by(points_ledger.c.id))
        return [(as_utc(at), points) for at, points in rows]

    def ledger_sum(self, customer_id: str) -> int:
        """The sum of a customer's entries (equal to its balance, always)."""
        return self.session.execute(select(func.coalesce(func.sum(points_ledger.c.points), 0))
                                    .where(points_ledger.c.customer_id == customer_id)).scalar_one()

    def off_tier(self, thresholds: Mapping[str, int], after: str, limit: int) -> list[str]:
        """Ids of live customers whose tier is not the one `thresholds` give their balance, in id order."""
        earned = case(*[(customers.c.points_balance >= floor, name)
                        for name, floor in sorted(thresholds.items(), key=lambda pair: -pair[1])],
                      else_=TIERS[0])
        return list(self.session.execute(
            select(customers.c.id).where(customers.c.tier != earned, customers.c.id > after,
                                         customers.c.erased_at.is_(None), customers.c.merged_into.is_(None))
            .order_by(customers.c.id).limit(limit)).scalars())

    def holders(self, after: str, limit: int) -> list[str]:
        """Ids of customers with points, in id order after `after` (to walk them all in batches)."""
        return list(self.session.execute(
            select(customers.c.id).where(customers.c.points_balance > 0, customers.c.id > after)
            .order_by(customers.c.id).limit(limit)).scalars())
