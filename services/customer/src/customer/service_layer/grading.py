"""Use case: hand every customer of a departing consultant to others, balanced by count [002]."""
from __future__ import annotations

from typing import Any

from servicekit.auth import Identity, store_condition
from servicekit.db import unit_of_work
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.customers import CustomerRepository
from customer.adapters.tables import customers
from customer.domain.errors import InvalidFields
from customer.domain.grading import balance
from customer.service_layer import staff
from customer.service_layer.customers import save_changes

_LIVE = (customers.c.erased_at.is_(None), customers.c.merged_into.is_(None))


def _loads(session: Session, column, names: list[str]) -> dict[str, int]:
    # rows of two columns are (name, count) pairs
    return dict(session.execute(select(column, func.count()).where(column.in_(names), *_LIVE)  # type: ignore[arg-type]
                                .group_by(column)).all())


def reassign(sessions: sessionmaker[Session], departing: str, successors: list[str], actor: str,
             identity: Identity, dry_run: bool = False) -> dict[str, Any]:
    """Give the departing consultant's customers (as owner and as deputy) to `successors`, in one transaction.

    Each successor ends with as even a number of customers as possible, counting those they already
    have; nobody becomes both owner and deputy of a customer. Every customer keeps a history entry
    ("reassigned") and sends customer.updated.v1. Only the caller's stores are touched. With `dry_run`,
    only the plan comes back and nothing changes.
    """
    if departing in successors:
        raise InvalidFields.one("to_owners", f"{departing} is the one leaving; name others.")
    if len(set(successors)) != len(successors):
        raise InvalidFields.one("to_owners", "Name each consultant once.")
    with unit_of_work(sessions) as session:
        ids = list(session.execute(
            select(customers.c.id).where(or_(customers.c.owner == departing, customers.c.deputy_owner == departing),
                                         store_condition(customers.c.store_id, identity), *_LIVE)
            .order_by(customers.c.created_at, customers.c.id).with_for_update()).scalars())
        current = CustomerRepository(session).many(ids)
        owned = [c["id"] for c in current if c["owner"] == departing]
        deputised = [c["id"] for c in current if c["deputy_owner"] == departing]
        allowed = staff.allowed_successors(session, successors, current)  # who works in each one's store
        owners = balance(owned, successors, _loads(session, customers.c.owner, successors),
                         avoid={c["id"]: c["deputy_owner"] for c in current}, allowed=allowed)
        deputies = balance(deputised, successors, _loads(session, customers.c.deputy_owner, successors),
                           avoid={c["id"]: owners.get(c["id"], c["owner"]) for c in current},
                           allowed=allowed) if deputised else {}
        assignments = [{"customer_id": c["id"], "owner": owners.get(c["id"], c["owner"]),
                        "deputy_owner": deputies.get(c["id"], c["deputy_owner"])} for c in current]
        if dry_run:
            session.rollback()
        else:
            for customer, assigned in zip(current, assignments, strict=True):
                save_changes(session, customer, {**customer, "owner": assigned["owner"],
                                                 "deputy_owner": assigned["deputy_owner"]}, actor, "reassigned")
    return {"from_owner": departing, "customers": len(current), "dry_run": dry_run, "assignments": assignments,
            "owners": {name: list(owners.values()).count(name) for name in successors},
            "deputies": {name: list(deputies.values()).count(name) for name in successors}}
