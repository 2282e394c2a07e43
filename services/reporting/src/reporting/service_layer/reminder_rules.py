"""The reminder service's rules, learnt from its reminder.rule_changed.v1 events: the reports read the business
rules managers set there (when first maintenance is due) instead of keeping their own copy of them."""
from __future__ import annotations

from servicekit.events import Event
from sqlalchemy.orm import Session

from reporting.adapters import reminder_rules
from reporting.domain import first_maintenance


def rule_changed(session: Session, event: Event) -> None:
    """reminder.rule_changed.v1: the rule as it now stands (a deleted one is forgotten)."""
    data = event.data
    if data.get("removed"):
        reminder_rules.drop(session, data["rule"])
    else:
        reminder_rules.keep(session, data["rule"], data["rule_kind"], bool(data.get("enabled")),
                            data.get("params") or {})


def first_maintenance_months(session: Session) -> int:
    """How many months after delivery first maintenance falls due, as the reminder service's rules say."""
    return first_maintenance.months_after_delivery(reminder_rules.of_kind(session, first_maintenance.KIND))
