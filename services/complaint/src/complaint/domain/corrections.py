"""Correcting what a complaint was filed with: the changes recorded, its SLA targets re-planned for a new
category or severity, and an escalation at once for a severity corrected to serious or critical."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from complaint.domain import workflow
from complaint.domain.calendar import BusinessCalendar
from complaint.domain.happened import Contacts, Happened, nobody
from complaint.domain.sla import SlaPolicy
from complaint.domain.vocabulary import CORRECTABLE, ESCALATE_AT_ONCE

if TYPE_CHECKING:
    from complaint.domain.complaints import Complaint


def correct(complaint: Complaint, calendar: BusinessCalendar, at: datetime, actor: str, values: dict[str, Any],
            reason: str, policy: SlaPolicy | None = None, contacts: Contacts = nobody) -> dict[str, list[Any]]:
    """Correct what the complaint was filed with (channel, category, subcategory, severity, description);
    returns the changes {field: [old, new]} (empty: nothing differs, nothing is recorded).

    `policy` is the SLA policy for the corrected category and severity (given when either changed). The
    targets are then re-planned:
    - a target already met (or not started yet) keeps its figures; one not started arms with the new
      policy's budget when its start event comes;
    - a running target keeps its start and gets the new budget: its deadline (and warning line) are counted
      again from its start, over the same pauses; a breach already recorded stays recorded, a warning is
      given again when the new warning line lies ahead; a new deadline already past is breached (and
      escalated) by the next SLA scan.
    A correction to serious or critical escalates an open complaint to the general manager, as filing does;
    a correction downwards never lowers an escalation already made.
    """
    changes = {name: [getattr(complaint, name), values[name]] for name in CORRECTABLE
               if name in values and values[name] != getattr(complaint, name)}
    if not changes:
        return changes
    for name, (_, new) in changes.items():
        setattr(complaint, name, new)
    if policy is not None and ("category" in changes or "severity" in changes):
        _replan(complaint, calendar, at, policy)
    shown = {name: [old, new] for name, (old, new) in changes.items()}
    # the event carries the first 500 characters of a description, as complaint.filed.v1 does
    published = {name: ([text[:500] for text in pair] if name == "description" else pair)
                 for name, pair in shown.items()}
    complaint.happened.append(Happened("correct", at, actor, complaint.status, complaint.status,
                                       {"changes": shown, "reason": reason}, event="corrected",
                                       event_data={"changes": published, "reason": reason, "corrected_by": actor}))
    complaint.updated_at = at
    if "severity" in changes:
        _escalate_corrected_severity(complaint, at, actor, contacts)
    return changes


def _escalate_corrected_severity(complaint: Complaint, at: datetime, actor: str, contacts: Contacts) -> None:
    """A severity corrected to serious or critical escalates an open complaint to the general manager."""
    if (complaint.severity in ESCALATE_AT_ONCE and complaint.status not in workflow.TERMINAL
            and complaint.escalation_level != "general_manager"):
        complaint.escalate(at, actor, "general_manager", f"severity corrected to {complaint.severity}: escalated",
                           None, contacts)


def _replan(complaint: Complaint, calendar: BusinessCalendar, at: datetime, policy: SlaPolicy) -> None:
    """Give every running target the budget of `policy` from its own start (see correct); a finished
    complaint's figures stay as they were."""
    complaint.policy = policy
    if complaint.status in workflow.TERMINAL:
        return
    for name, target in complaint.clocks.targets.items():
        if not target.running:
            continue
        target.minutes = policy.minutes(name)
        target.warn_minutes = target.minutes * policy.warn_percent // 100
        if complaint.clocks.paused:
            continue  # deadlines are unknown while paused; resume counts them with the new budget
        complaint.clocks.reschedule(calendar, name)
        if target.warned and not target.breached and target.warn_at is not None and target.warn_at > at:
            target.warned = False
