"""Everything the reporting read model keeps about one person (PIPL art. 45, GDPR art. 15).

The read model keeps one row per customer (with the name and phone a report's customer list shows, and the
figures it is counted by), and a row per vehicle, visit, complaint, reminder and appointment of theirs, each
with the customer it counts for now; the pre-aggregated tallies hold counts only, about no one. The person is the
customer asked for and the records merged into it (those the caller names, and those the read model knows were
merged), including rows a merge moved away from a merged record asked for directly.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reporting.adapters.tables import appointments, complaints, customers, merges, reminders, vehicles, visits
from servicekit.db import unit_of_work
from servicekit.held import check_person_scope, held_rows, person_ids
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

#: The read model's per-customer tables, as the export names them.
PER_CUSTOMER = {"vehicles": vehicles, "visits": visits, "complaints": complaints, "reminders": reminders,
                "appointments": appointments}


def personal_data(sessions: sessionmaker[Session], customer_id: str, merged: list[str],
                  scope: frozenset[str] | None) -> dict[str, Any]:
    """The reporting service's section of a personal-data export."""
    with unit_of_work(sessions) as session:
        check_person_scope(session, customers, customer_id, scope)
        ids = person_ids(session, customers, customer_id, merged,
                         lambda frontier: select(merges.c.merged_id).where(merges.c.survivor_id.in_(frontier)))
        copies = {row["id"]: row for row in held_rows(session, select(customers).where(customers.c.id.in_(ids)))}
        document: dict[str, Any] = {
            "service": "reporting", "exported_at": datetime.now(UTC), "customer_id": customer_id,
            "customer": copies.get(customer_id),
            "merged_records": [copies[other] for other in ids[1:] if other in copies],
            "merges": held_rows(session, select(merges).where(or_(merges.c.merged_id.in_(ids),
                                                                  merges.c.survivor_id.in_(ids)))
                                .order_by(merges.c.merged_id)),
        }
        for name, table in PER_CUSTOMER.items():
            document[name] = held_rows(session, select(table).where(or_(
                table.c.customer_id.in_(ids), table.c.merged_from.in_(ids))).order_by(table.c.id))
    return document
