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
from servicekit.held import check_person_scope, held_rows, person_ids
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters.complaints import to_complaint
from complaint.adapters.tables import callbacks, complaints, customers, moves, rectifications, steps, surveys
from complaint.config import ComplaintSettings
from complaint.service_layer.views import complaint_view


def personal_data(sessions: sessionmaker[Session], config: ComplaintSettings, customer_id: str,
                  merged: list[str], scope: frozenset[str] | None) -> dict[str, Any]:
    """The complaint service's section of a personal-data export."""
    with unit_of_work(sessions) as session:
        check_person_scope(session, customers, customer_id, scope)
        ids = person_ids(session, customers, customer_id, merged)
        copies = {row["id"]: row for row in held_rows(session, select(customers).where(customers.c.id.in_(ids)))}
        moved_away = select(moves.c.complaint_id).where(moves.c.from_customer.in_(ids))
        rows = session.execute(select(complaints).where(or_(complaints.c.customer_id.in_(ids),
                                                            complaints.c.id.in_(moved_away)))
                               .order_by(complaints.c.filed_at, complaints.c.id)).mappings().all()
        complaint_ids = [row["id"] for row in rows]

        def of(table, order) -> dict[str, list[dict[str, Any]]]:
            grouped: dict[str, list[dict[str, Any]]] = {complaint_id: [] for complaint_id in complaint_ids}
            for row in held_rows(session, select(table).where(table.c.complaint_id.in_(complaint_ids))
                                 .order_by(*order)):
                grouped[row.pop("complaint_id")].append(row)
            return grouped

        timeline = of(steps, (steps.c.id,))
        called = of(callbacks, (callbacks.c.id,))
        surveyed = of(surveys, (surveys.c.round,))
        notices = of(rectifications, (rectifications.c.issued_at, rectifications.c.id))
        moved = of(moves, (moves.c.id,))
        held = []
        for row in rows:
            view = complaint_view(to_complaint(row), config)
            view.update(timeline=timeline[row["id"]], callbacks=called[row["id"]], surveys=surveyed[row["id"]],
                        rectifications=notices[row["id"]], moves=moved[row["id"]])
            held.append(view)
    return {"service": "complaint", "exported_at": datetime.now(UTC), "customer_id": customer_id,
            "customer": copies.get(customer_id),
            "merged_records": [copies[other] for other in ids[1:] if other in copies],
            "complaints": held}
