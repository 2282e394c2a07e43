"""Reading every row the read model keeps about one person (for a personal-data export)."""
from __future__ import annotations

from typing import Any

from servicekit.held import check_person_scope, held_rows, person_ids
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reporting.adapters.tables import appointments, complaints, customers, merges, reminders, vehicles, visits

#: The read model's per-customer tables, as the export names them.
PER_CUSTOMER = {"vehicles": vehicles, "visits": visits, "complaints": complaints, "reminders": reminders,
                "appointments": appointments}


def check_scope(session: Session, customer_id: str, scope: frozenset[str] | None) -> None:
    """The export of this customer is allowed to a caller of `scope` (None: every store): servicekit.held."""
    check_person_scope(session, customers, customer_id, scope)


def ids_of_person(session: Session, customer_id: str, merged: list[str]) -> list[str]:
    """The customer first, then the records merged into it (those named, and those the merges say)."""
    return person_ids(session, customers, customer_id, merged,
                      lambda frontier: select(merges.c.merged_id).where(merges.c.survivor_id.in_(frontier)))


def customer_rows(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """{id: row} of the customers of `ids` the read model has."""
    return {row["id"]: row for row in held_rows(session, select(customers).where(customers.c.id.in_(ids)))}


def merge_rows(session: Session, ids: list[str]) -> list[dict[str, Any]]:
    """The merges standing that name any of `ids`."""
    return held_rows(session, select(merges).where(or_(merges.c.merged_id.in_(ids), merges.c.survivor_id.in_(ids)))
                     .order_by(merges.c.merged_id))


def rows_of_person(session: Session, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """{table name: rows} of the per-customer tables that count for `ids` or came from them by a merge."""
    return {name: held_rows(session, select(table).where(or_(
        table.c.customer_id.in_(ids), table.c.merged_from.in_(ids))).order_by(table.c.id))
        for name, table in PER_CUSTOMER.items()}
