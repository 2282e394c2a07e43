"""This service's copy of the customers it knows (from the customer service's events)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.db import flush_erased
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from complaint.adapters.erasure import erase_free_text
from complaint.adapters.tables import complaints, customers, moves
from servicekit import idempotency

#: The fields of customer.created/updated that this service keeps (and how they are named here).
KEPT = ("name", "phone", "store_id", "tier", "key_customer", "blacklisted")


class CustomerCopy:
    """Known customers in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, customer_id: str) -> dict[str, Any] | None:
        """The copy of a customer, or None when this service has not heard of it."""
        row = self.session.execute(select(customers).where(customers.c.id == customer_id)).mappings().first()
        return None if row is None else dict(row)

    def upsert(self, customer_id: str, version: int, values: dict[str, Any], at: datetime) -> None:
        """Keep the fields given; an older version than the one kept changes nothing (events may arrive late)."""
        kept = {name: values[name] for name in KEPT if name in values}
        current = self.get(customer_id)
        if current is None:
            self.session.execute(insert(customers).values(
                id=customer_id, version=version, updated_at=at,
                key_customer=bool(kept.pop("key_customer", False)), blacklisted=bool(kept.pop("blacklisted", False)),
                **kept))
            return
        if current["version"] >= version:
            return
        if current["erased_at"] is not None:  # an erased customer's personal data never comes back
            for personal in ("name", "phone"):
                kept.pop(personal, None)
        self.session.execute(update(customers).where(customers.c.id == customer_id).values(
            version=version, updated_at=at, **kept))
        if "store_id" in kept:
            self.session.execute(update(complaints).where(complaints.c.customer_id == customer_id,
                                                          complaints.c.store_id.is_(None))
                                 .values(store_id=kept["store_id"]))

    def change_tier(self, customer_id: str, tier: str, at: datetime) -> None:
        """The customer's membership tier moved (tier changes do not bump the customer's version)."""
        self.session.execute(update(customers).where(customers.c.id == customer_id).values(tier=tier, updated_at=at))

    def merge(self, survivor_id: str, merged_id: str, at: datetime) -> int:
        """Move every complaint of `merged_id` to `survivor_id`, remembering each move; returns how many moved."""
        self.session.execute(update(customers).where(customers.c.id == merged_id)
                             .values(merged_into=survivor_id, updated_at=at))
        ids = self.session.execute(select(complaints.c.id).where(complaints.c.customer_id == merged_id)).scalars().all()
        if ids:
            self.session.execute(insert(moves), [{"complaint_id": complaint_id, "from_customer": merged_id,
                                                  "to_customer": survivor_id, "moved_at": at} for complaint_id in ids])
            self.session.execute(update(complaints).where(complaints.c.id.in_(ids)).values(customer_id=survivor_id))
        return len(ids)

    def unmerge(self, survivor_id: str, restored_id: str, at: datetime) -> int:
        """Undo a merge: the complaints it moved from `restored_id` go back to it; returns how many."""
        self.session.execute(update(customers).where(customers.c.id == restored_id)
                             .values(merged_into=None, updated_at=at))
        of_merge = (moves.c.from_customer == restored_id, moves.c.to_customer == survivor_id)
        ids = select(moves.c.complaint_id).where(*of_merge).scalar_subquery()
        moved = self.session.execute(update(complaints).where(
            complaints.c.id.in_(ids), complaints.c.customer_id == survivor_id).values(customer_id=restored_id))
        self.session.execute(delete(moves).where(*of_merge))
        return moved.rowcount  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result

    def erase(self, customer_id: str, at: datetime) -> None:
        """Remove the customer's personal data from this service (PIPL): their name and phone here, and the
        free text of their complaints. Categories, times, costs and satisfaction (anonymous figures) stay."""
        if self.get(customer_id) is None:
            self.session.execute(insert(customers).values(id=customer_id, version=0, updated_at=at, erased_at=at,
                                                          key_customer=False, blacklisted=False))
        else:
            self.session.execute(update(customers).where(customers.c.id == customer_id).values(
                name=None, phone=None, erased_at=at, updated_at=at))
        complaint_ids = erase_free_text(self.session, customer_id)
        # answers kept for replays of writes (Idempotency-Key) show the complaints and their words
        idempotency.forget(self.session, [customer_id, *complaint_ids])
        flush_erased(self.session)
