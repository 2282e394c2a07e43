"""What happened to a complaint (a timeline step, and the event it publishes), and who is told at an
escalation."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Who is told at an escalation: (store_id, level) -> username, or None when nobody is configured.
Contacts = Callable[[str | None, str], str | None]


def nobody(store_id: str | None, level: str) -> str | None:
    """The contacts when none are configured."""
    return None


@dataclass
class Happened:
    """One thing that happened to a complaint: a timeline step, and the event it publishes (if any)."""

    action: str
    at: datetime
    actor: str
    from_status: str
    to_status: str
    details: dict[str, Any] = field(default_factory=dict)
    #: The event's short name (`complaint.<event>.v1`) and what its data adds; None for no event.
    event: str | None = None
    event_data: dict[str, Any] = field(default_factory=dict)
