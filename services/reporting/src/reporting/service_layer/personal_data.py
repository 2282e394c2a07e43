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

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from reporting.adapters import personal_rows
from reporting.adapters.tables import customers, merges

#: The tables whose rows an export holds, by the name the export gives a row of them (the API documents their
#: columns from these).
EXPORTED_TABLES = {"customer": customers, "merge": merges, "vehicle": personal_rows.PER_CUSTOMER["vehicles"],
                   "visit": personal_rows.PER_CUSTOMER["visits"], "complaint": personal_rows.PER_CUSTOMER["complaints"],
                   "reminder": personal_rows.PER_CUSTOMER["reminders"],
                   "appointment": personal_rows.PER_CUSTOMER["appointments"]}


def personal_data(sessions: sessionmaker[Session], customer_id: str, merged: list[str],
                  scope: frozenset[str] | None) -> dict[str, Any]:
    """The reporting service's section of a personal-data export."""
    with unit_of_work(sessions) as session:
        personal_rows.check_scope(session, customer_id, scope)
        ids = personal_rows.ids_of_person(session, customer_id, merged)
        copies = personal_rows.customer_rows(session, ids)
        document: dict[str, Any] = {
            "service": "reporting", "exported_at": datetime.now(UTC), "customer_id": customer_id,
            "customer": copies.get(customer_id),
            "merged_records": [copies[other] for other in ids[1:] if other in copies],
            "merges": personal_rows.merge_rows(session, ids),
        }
        document.update(personal_rows.rows_of_person(session, ids))
    return document
