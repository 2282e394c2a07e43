"""Reconciling a customer's reminders with what the rules plan for them (domain.planning.plan), one customer
after an event, or everyone in batches after a rule changed."""
from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session

from reminder.adapters.clock import now
from reminder.adapters.customer_copy import CustomerCopy, customer_facts
from reminder.adapters.reminder_rules import ReplanQueue, RuleRepository
from reminder.adapters.reminders import ReminderRepository
from reminder.domain.planning import plan
from reminder.domain.planning_facts import Context, Planned
from reminder.domain.reminder_rules import OPEN, UNPLANNED, Rule

__all__ = ["OPEN", "reconcile", "replan", "replan_batch", "replan_everyone"]


def _values(planned: Planned) -> dict[str, Any]:
    return {"due_at": planned.due_at, "reason": planned.reason, "owner": planned.owner,
            "confidence": planned.confidence}


def _desired(session: Session, customer_id: str, rules: list[Rule], context: Context) -> dict[str, Planned]:
    """The reminders the customer should have, by key; locked: one re-planning of a customer at a time (the
    consumer, the scheduler and a completed task may re-plan the same customer at once, and would each add the
    same new reminder)."""
    copy = CustomerCopy(session)
    row = copy.get(customer_id, for_update=True)
    if row is None or row.merged_into is not None:
        return {}
    desired = plan(customer_facts(row), copy.asset_facts(customer_id, context.zone),
                   copy.complaint_facts(customer_id), rules, context)
    return {planned.key: planned for planned in desired}


def _new_row(customer_id: str, planned: Planned, context: Context) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "key": planned.key, "rule_id": planned.rule.id, "kind": planned.rule.kind,
            "customer_id": customer_id, "asset_id": planned.asset_id, "status": "scheduled",
            "task": planned.rule.task, "created_at": context.now, **_values(planned)}


def _changed(current: Any, planned: Planned) -> bool:
    return (as_utc(current.due_at), current.reason, current.owner, current.confidence) != \
        (planned.due_at, planned.reason, planned.owner, planned.confidence)


def _follow(repository: ReminderRepository, current: Any, planned: Planned, context: Context) -> None:
    """A reminder still scheduled moves with its plan; a cancelled one wanted again (a rule switched back on, an
    undone merge) is scheduled again, unless it is too late for it; one that fired stays as it is."""
    if current.status == "scheduled":
        if _changed(current, planned):
            repository.change(current.id, **_values(planned))
    elif current.status == "cancelled" and planned.due_at >= context.now - planned.grace():
        repository.change(current.id, status="scheduled", cancelled_at=None, cancel_reason=None, **_values(planned))


def reconcile(session: Session, customer_id: str, rules: list[Rule], context: Context, cause: str,
              withdraw_open: bool = False) -> None:
    """Add the reminders the customer should now have, move changed ones, cancel the ones no longer needed.

    Only reminders still scheduled move or are cancelled: one that fired stays as it is — unless
    `withdraw_open` (a correction: the facts it fired on were wrong), when an open task no longer wanted is
    cancelled too. `cause` says what happened, in words, and is kept as the reason of a cancellation.
    """
    wanted = _desired(session, customer_id, rules, context)
    repository = ReminderRepository(session)
    existing = repository.planned_of(customer_id, UNPLANNED)
    withdrawn = ("scheduled", *OPEN) if withdraw_open else ("scheduled",)
    stale = [r.id for key, r in existing.items() if r.status in withdrawn and key not in wanted]
    if stale:
        repository.cancel(stale, withdrawn, context.now, f"no longer needed: {cause}")
    elsewhere = repository.keys_taken([key for key in wanted if key not in existing])
    new_rows = []
    for key, planned in wanted.items():
        if key in existing:
            _follow(repository, existing[key], planned, context)
        elif key not in elsewhere and planned.due_at >= context.now - planned.grace():
            new_rows.append(_new_row(customer_id, planned, context))
    repository.add_many(new_rows)


def replan(session: Session, customer_id: str, zone: ZoneInfo, cause: str, withdraw_open: bool = False) -> None:
    """Re-plan the customer's reminders (reconcile); after a correction, `withdraw_open` also cancels the open
    tasks the corrected facts no longer call for."""
    reconcile(session, customer_id, RuleRepository(session).all(), Context(now(), zone), cause, withdraw_open)


def replan_everyone(session: Session, cause: str) -> None:
    """Ask the scheduler to re-plan every customer under the rules as they now are."""
    ReplanQueue(session).add(cause, now())


def replan_batch(session: Session, batch: int, context: Context) -> int:
    """Advance the oldest unfinished re-planning job by up to `batch` customers; return how many were done."""
    queue = ReplanQueue(session)
    job = queue.next_job()
    if job is None:
        return 0
    ids = CustomerCopy(session).ids_after(job.cursor, batch)
    rules = RuleRepository(session).all()
    for customer_id in ids:
        reconcile(session, customer_id, rules, context, job.cause)
    values: dict[str, Any] = {"cursor": ids[-1] if ids else job.cursor}
    if len(ids) < batch:
        values["finished_at"] = now()
    queue.advance(job.id, **values)
    return len(ids)
