"""Reading everything this service holds about one person: this service's copy of the customer and of the records
merged into it, and their complaints (also those a merge moved away) with the rows kept about each."""
from __future__ import annotations

from typing import Any

from servicekit.held import check_person_scope, held_rows, person_ids
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from complaint.adapters.tables import callbacks, complaints, customers, moves, rectifications, steps, surveys

#: The tables a personal-data export shows rows of, by what each row is.
EXPORTED_TABLES = {"customer": customers, "step": steps, "callback": callbacks, "survey": surveys,
                   "rectification": rectifications, "move": moves}
#: What is kept about each complaint: {name in the export: (table, its order)}.
_KEPT = {"timeline": (steps, (steps.c.id,)), "callbacks": (callbacks, (callbacks.c.id,)),
         "surveys": (surveys, (surveys.c.round,)),
         "rectifications": (rectifications, (rectifications.c.issued_at, rectifications.c.id)),
         "moves": (moves, (moves.c.id,))}


def person_of(session: Session, customer_id: str, merged: list[str], scope: frozenset[str] | None) -> list[str]:
    """The ids standing for the person (the customer first, then the records merged into it), once the caller
    is found to reach the customer's store."""
    check_person_scope(session, customers, customer_id, scope)
    return person_ids(session, customers, customer_id, merged)


def customer_copies(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """{id: this service's copy of the customer} for those of `ids` it has."""
    return {row["id"]: row for row in held_rows(session, select(customers).where(customers.c.id.in_(ids)))}


def complaints_of(session: Session, ids: list[str]) -> list[Any]:
    """The complaint rows of these customers, and those a merge moved away from them, oldest first."""
    moved_away = select(moves.c.complaint_id).where(moves.c.from_customer.in_(ids))
    return list(session.execute(select(complaints).where(or_(complaints.c.customer_id.in_(ids),
                                                             complaints.c.id.in_(moved_away)))
                                .order_by(complaints.c.filed_at, complaints.c.id)).mappings().all())


def kept_about(session: Session, complaint_ids: list[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{timeline, callbacks, surveys, rectifications, moves: {complaint id: its rows, in order}}."""
    return {name: _of(session, table, order, complaint_ids) for name, (table, order) in _KEPT.items()}


def _of(session: Session, table, order, complaint_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {complaint_id: [] for complaint_id in complaint_ids}
    for row in held_rows(session, select(table).where(table.c.complaint_id.in_(complaint_ids)).order_by(*order)):
        grouped[row.pop("complaint_id")].append(row)
    return grouped
