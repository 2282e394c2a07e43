"""What planning knows: a customer's facts (assets with their mileage, complaints), the moment and place of
planning, and the reminders it plans."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from reminder.domain.calendar import local_date
from reminder.domain.prediction import Reading
from reminder.domain.reminder_rules import Rule

#: How late a reminder may still be created: an archive imported with deliveries from years ago must not
#: fire years of callbacks at once. Greetings are pointless a day late.
GRACE = timedelta(days=14)
GREETING_GRACE = timedelta(days=1)
GREETINGS = frozenset({"birthday", "vehicle_anniversary", "holiday_greeting"})
#: Service visits that are not a maintenance (保养): they give an odometer reading, nothing more. The Chinese
#: words are those older events carried as free text.
NOT_MAINTENANCE = {
    "repair": "repair", "维修": "repair", "inspection": "inspection", "年检": "inspection", "check": "check",
    "检测": "check", "检查": "check", "warranty": "warranty", "保修": "warranty", "recall": "recall",
    "召回": "recall", "accident": "accident", "事故": "accident", "other": "other", "其他": "other",
}
#: An asset in one of these states gets no more reminders (sold to someone else, scrapped, registered by mistake).
INACTIVE_ASSETS = frozenset({"sold", "scrapped", "voided"})


def counts_as_maintenance(service_type: str | None) -> bool:
    """Whether a service visit of this type is a maintenance: `maintenance`, or no type (an older event)."""
    return (service_type or "").strip().lower() not in NOT_MAINTENANCE


@dataclass(frozen=True)
class CustomerFacts:
    """What the plan needs to know about a customer."""

    id: str
    kind: str | None = None
    tier: str | None = None
    owner: str | None = None
    birthday: date | None = None
    created_on: date | None = None
    last_visit_on: date | None = None
    last_contact_on: date | None = None
    erased: bool = False


@dataclass(frozen=True)
class AssetFacts:
    """A vehicle, contract or other asset, with its mileage and service history."""

    id: str
    kind: str
    label: str
    delivered_on: date | None = None
    expires_on: date | None = None
    readings: tuple[Reading, ...] = ()
    services: tuple[tuple[date, int | None], ...] = ()  # (day, odometer km) of each service visit


@dataclass(frozen=True)
class ComplaintFacts:
    """A complaint that may need a callback."""

    id: str
    status: str
    resolved_at: datetime | None = None
    callback_due_at: datetime | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class Planned:
    """A reminder the customer should have."""

    key: str
    rule: Rule
    asset_id: str | None
    due_at: datetime
    owner: str | None
    reason: str
    confidence: float | None = None

    def grace(self) -> timedelta:
        """How late this reminder may still be created."""
        return GREETING_GRACE if self.rule.kind in GREETINGS else GRACE


@dataclass(frozen=True)
class Context:
    """The moment of planning and the business's time zone."""

    now: datetime
    zone: ZoneInfo

    @cached_property
    def today(self) -> date:
        """The business's day at `now` (worked out once: planning a customer asks it dozens of times)."""
        return local_date(self.now, self.zone)
