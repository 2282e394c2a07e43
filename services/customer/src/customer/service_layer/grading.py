"""Use case: hand every customer of a departing consultant to others, balanced by count [002]."""
from __future__ import annotations

from typing import Any

from servicekit.auth import Identity
from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters import portfolios
from customer.adapters.customers import CustomerRepository
from customer.domain.errors import InvalidFields
from customer.domain.grading import balance
from customer.service_layer import staff
from customer.service_layer.customers import save_changes


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
        current = CustomerRepository(session).many(portfolios.held_by(session, departing, identity))
        owned = [c["id"] for c in current if c["owner"] == departing]
        deputised = [c["id"] for c in current if c["deputy_owner"] == departing]
        allowed = staff.allowed_successors(session, successors, current)  # who works in each one's store
        owners = balance(owned, successors, portfolios.owner_loads(session, successors),
                         avoid={c["id"]: c["deputy_owner"] for c in current}, allowed=allowed)
        deputies = balance(deputised, successors, portfolios.deputy_loads(session, successors),
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
