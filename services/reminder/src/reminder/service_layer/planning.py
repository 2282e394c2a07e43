"""Reconciling a customer's reminders with what the rules plan for them (domain.planning.plan)."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reminder.adapters.clock import aware
from reminder.adapters.facts import asset_facts, complaint_facts, customer_facts, customer_row
from reminder.adapters.tables import reminders
from reminder.domain.facts import Context, Planned
from reminder.domain.planning import plan
from reminder.domain.rules import UNPLANNED, Rule


def _values(planned: Planned) -> dict[str, Any]:
    return {"due_at": planned.due_at, "reason": planned.reason, "owner": planned.owner,
            "confidence": planned.confidence}


#: A task fired and not finished: given to a person, on their list (claimed, or snoozed till later).
OPEN = ("due", "claimed", "snoozed")

def reconcile(session: Session, customer_id: str, rules: list[Rule], context: Context, cause: str,
              withdraw_open: bool = False) -> None:
    """Add the reminders the customer should now have, move changed ones, cancel the ones no longer needed.

    Only reminders still scheduled move or are cancelled: one that fired stays as it is — unless
    `withdraw_open` (a correction: the facts it fired on were wrong), when an open task no longer wanted is
    cancelled too. `cause` says what happened, in words, and is kept as the reason of a cancellation.
    """
    # locked: one re-planning of a customer at a time (the consumer, the scheduler and a completed task may
    # re-plan the same customer at once, and would each add the same new reminder)
    row = customer_row(session, customer_id, for_update=True)
    desired: list[Planned] = []
    if row is not None and row.merged_into is None:
        zone = context.zone
        desired = plan(customer_facts(row), asset_facts(session, customer_id, zone),
                       complaint_facts(session, customer_id), rules, context)
    existing = {r.key: r for r in session.execute(
        select(reminders.c.id, reminders.c.key, reminders.c.status, reminders.c.due_at, reminders.c.reason,
               reminders.c.owner, reminders.c.confidence)
        .where(reminders.c.customer_id == customer_id, reminders.c.kind.not_in(UNPLANNED)))}
    wanted = {planned.key: planned for planned in desired}
    withdrawn = ("scheduled", *OPEN) if withdraw_open else ("scheduled",)
    stale = [r.id for key, r in existing.items() if r.status in withdrawn and key not in wanted]
    if stale:
        session.execute(update(reminders).where(reminders.c.id.in_(stale), reminders.c.status.in_(withdrawn)).values(
            status="cancelled", cancelled_at=context.now, cancel_reason=f"no longer needed: {cause}",
            snoozed_until=None))
    missing = [key for key in wanted if key not in existing]
    elsewhere = set(session.execute(select(reminders.c.key).where(reminders.c.key.in_(missing))).scalars()) \
        if missing else set()
    new_rows = []
    for key, planned in wanted.items():
        current = existing.get(key)
        recent = planned.due_at >= context.now - planned.grace()
        if current is None:
            if recent and key not in elsewhere:
                new_rows.append({"id": str(uuid.uuid4()), "key": key, "rule_id": planned.rule.id,
                                 "kind": planned.rule.kind, "customer_id": customer_id,
                                 "asset_id": planned.asset_id, "status": "scheduled", "task": planned.rule.task,
                                 "created_at": context.now, **_values(planned)})
        elif current.status == "scheduled":
            if (aware(current.due_at), current.reason, current.owner, current.confidence) != \
                    (planned.due_at, planned.reason, planned.owner, planned.confidence):
                session.execute(update(reminders).where(reminders.c.id == current.id).values(**_values(planned)))
        elif current.status == "cancelled" and recent:  # wanted again (a rule switched back on, an undone merge)
            session.execute(update(reminders).where(reminders.c.id == current.id).values(
                status="scheduled", cancelled_at=None, cancel_reason=None, **_values(planned)))
    if new_rows:
        session.execute(reminders.insert(), new_rows)
