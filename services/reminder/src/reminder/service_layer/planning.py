"""Reconciling a customer's reminders with what the rules plan for them (domain.planning.plan), one customer
after an event, or everyone in batches after a rule changed."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
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

__all__ = ["OPEN", "reconcile", "reconcile_many", "replan", "replan_batch", "replan_everyone"]


def _values(planned: Planned) -> dict[str, Any]:
    return {"due_at": planned.due_at, "reason": planned.reason, "owner": planned.owner,
            "confidence": planned.confidence}


def _desired(session: Session, customer_ids: Sequence[str], rules: list[Rule],
             context: Context) -> dict[str, dict[str, Planned]]:
    """The reminders each customer should have, by customer and key; their rows locked: one re-planning of a
    customer at a time (the consumer, the scheduler and a completed task may re-plan the same customer at once,
    and would each add the same new reminder). A customer unknown or merged away should have none."""
    copy = CustomerCopy(session)
    rows = {customer_id: row for customer_id, row in copy.lock_many(customer_ids).items() if row.merged_into is None}
    assets = copy.asset_facts_of(list(rows), context.zone)
    complaints = copy.complaint_facts_of(list(rows))
    wanted: dict[str, dict[str, Planned]] = {customer_id: {} for customer_id in customer_ids}
    for customer_id, row in rows.items():
        for planned in plan(customer_facts(row), assets[customer_id], complaints[customer_id], rules, context):
            wanted[customer_id][planned.key] = planned
    return wanted


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
    reconcile_many(session, [customer_id], rules, context, cause, withdraw_open)


def reconcile_many(session: Session, customer_ids: Sequence[str], rules: list[Rule], context: Context, cause: str,
                   withdraw_open: bool = False, only_these_rules: bool = False) -> None:
    """`reconcile` of each of these customers, with a few statements for them all (a rule change re-plans
    everyone, a batch at a time). `only_these_rules`: the customers' reminders of other rules are left as they
    are (the scheduler re-plans a recurring rule's next birthday, inspection … as one fires, and nothing else)."""
    if not customer_ids:
        return
    wanted = _desired(session, customer_ids, rules, context)
    repository = ReminderRepository(session)
    existing = repository.planned_of_many(customer_ids, UNPLANNED,
                                          [rule.id for rule in rules] if only_these_rules else None)
    withdrawn = ("scheduled", *OPEN) if withdraw_open else ("scheduled",)
    stale = [r.id for customer_id in customer_ids for key, r in existing[customer_id].items()
             if r.status in withdrawn and key not in wanted[customer_id]]
    if stale:
        repository.cancel(stale, withdrawn, context.now, f"no longer needed: {cause}")
    repository.add_many(_carry_out(repository, customer_ids, wanted, existing, context))


def _carry_out(repository: ReminderRepository, customer_ids: Sequence[str], wanted: dict[str, dict[str, Planned]],
               existing: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    """Move the reminders planned already that changed; return the rows of those newly planned."""
    taken = repository.keys_taken([key for customer_id in customer_ids for key in wanted[customer_id]
                                   if key not in existing[customer_id]])
    new_rows = []
    for customer_id in customer_ids:
        for key, planned in wanted[customer_id].items():
            if key in existing[customer_id]:
                _follow(repository, existing[customer_id][key], planned, context)
            elif key not in taken and planned.due_at >= context.now - planned.grace():
                new_rows.append(_new_row(customer_id, planned, context))
                taken.add(key)  # a key is one reminder's, whichever customer of the batch plans it first
    return new_rows


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
    reconcile_many(session, ids, RuleRepository(session).all(), context, job.cause)
    values: dict[str, Any] = {"cursor": ids[-1] if ids else job.cursor}
    if len(ids) < batch:
        values["finished_at"] = now()
    queue.advance(job.id, **values)
    return len(ids)
