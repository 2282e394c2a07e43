"""What a task's owner may do with it: the outcomes a task ends with, how long it may be put aside, when it is
overdue."""
from __future__ import annotations

from datetime import datetime, timedelta

OUTCOMES = ("reached", "booked", "not_reached", "declined", "won_back", "lost", "other")
#: Outcomes in which someone spoke with the customer: the contact cadence starts again from them.
CONTACTED = ("reached", "booked", "declined", "won_back", "lost")
MAX_SNOOZE = timedelta(days=90)


def overdue_before(moment: datetime) -> datetime:
    """Open tasks due before this are overdue: a day's grace to work the list."""
    return moment - timedelta(days=1)
