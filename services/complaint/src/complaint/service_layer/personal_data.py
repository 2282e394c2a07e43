"""Everything this service holds about one person (PIPL art. 45, GDPR art. 15): their complaints with every
step, callback, survey and rectification notice, and this service's copy of the customer.

The person is the customer asked for, the records merged into it (the ones the caller names, and the ones this
service already knows were merged), and their complaints wherever a merge moved them: complaints filed for a
record that was merged into another are still about this person.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters import personal_data as held
from complaint.adapters.complaints import to_complaint
from complaint.config import ComplaintSettings
from complaint.service_layer.views import complaint_view

#: The tables an export shows rows of, by what each row is (the view describes its rows by them).
EXPORTED_TABLES = held.EXPORTED_TABLES


def personal_data(sessions: sessionmaker[Session], config: ComplaintSettings, customer_id: str,
                  merged: list[str], scope: frozenset[str] | None) -> dict[str, Any]:
    """The complaint service's section of a personal-data export."""
    with unit_of_work(sessions) as session:
        ids = held.person_of(session, customer_id, merged, scope)
        copies = held.customer_copies(session, ids)
        rows = held.complaints_of(session, ids)
        kept = held.kept_about(session, [row["id"] for row in rows])
        complaints = []
        for row in rows:
            view = complaint_view(to_complaint(row), config)
            view.update({name: of[row["id"]] for name, of in kept.items()})
            complaints.append(view)
    return {"service": "complaint", "exported_at": datetime.now(UTC), "customer_id": customer_id,
            "customer": copies.get(customer_id),
            "merged_records": [copies[other] for other in ids[1:] if other in copies],
            "complaints": complaints}
