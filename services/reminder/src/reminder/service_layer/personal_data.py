"""Everything this service holds about one person (PIPL art. 45, GDPR art. 15): their reminders and tasks, the
notifications sent or meant for them (text, channel, address), appointments, opt-outs, and this service's copies
of the customer, their vehicles, readings, visits and complaints.

The person is the customer asked for and the records merged into it (those the caller names, and those this
service knows were merged), including rows a merge moved away from a merged record asked for directly.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from reminder.adapters.personal_data import held_on


def personal_data(sessions: sessionmaker[Session], customer_id: str, merged: list[str],
                  scope: frozenset[str] | None) -> dict[str, Any]:
    """The reminder service's section of a personal-data export."""
    with unit_of_work(sessions) as session:
        held = held_on(session, customer_id, merged, scope)
    return {"service": "reminder", "exported_at": datetime.now(UTC), "customer_id": customer_id, **held}
