"""Use cases: merge two customers (or preview it), and undo a merge within its window.

Both records are locked in id order, so of two concurrent merges of the same pair exactly one wins
and the other finds a tombstone (409). Everything the merged record owned moves to the survivor and
is remembered row by row; the merged record stays as a tombstone resolving to the survivor; the
records as they were are kept, so an undo restores them exactly.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.customers import COLUMNS, CustomerRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.merges import MergeRepository, restore_columns, snapshot
from customer.adapters.points import PointsRepository
from customer.adapters.rows import now
from customer.domain.changes import diff
from customer.domain.errors import Conflict, InvalidFields, NotFound, VersionConflict
from customer.domain.merge import plan
from customer.domain.points import PointsPolicy
from customer.service_layer.emit import emit
from customer.service_layer.points import settle_tier

#: The fields whose change a merge reports in history and in customer.updated.v1.
_REPORTED = ("name", "phone", "phones", "tags", *(c for c in COLUMNS if c not in ("name", "merged_into")))


def _lock_pair(repo: CustomerRepository, survivor_id: str, merged_id: str) -> tuple[dict, dict]:
    """Both customers, locked in id order (no deadlock between two merges of the same pair)."""
    if survivor_id == merged_id:
        raise InvalidFields.one("merged_id", "A customer cannot be merged into itself.")
    locked = {}
    for customer_id in sorted((survivor_id, merged_id)):
        customer = repo.get(customer_id, for_update=True)
        if customer is None:
            raise NotFound("customer", customer_id)
        locked[customer_id] = customer
    return locked[survivor_id], locked[merged_id]


def _refuse_unmergeable(customer: dict[str, Any], expected_version: int | None) -> None:
    if customer.get("merged_into"):
        raise Conflict(f"Customer {customer['id']} was already merged into {customer['merged_into']}.",
                       customer_id=customer["id"], survivor_id=customer["merged_into"])
    if customer.get("erased_at"):
        raise Conflict(f"Customer {customer['id']} was erased; an erased record cannot be merged.",
                       customer_id=customer["id"])
    if expected_version is not None and customer["version"] != expected_version:
        raise VersionConflict(expected_version, customer["version"])


def _updated_event(session: Session, customer: dict[str, Any], changes: dict[str, list[Any]]) -> None:
    if changes:
        emit(session, events.CUSTOMER_UPDATED, customer["id"],
             {"id": customer["id"], "version": customer["version"], **{f: customer[f] for f in changes},
              "changes": changes})


def merge_customers(sessions: sessionmaker[Session], survivor_id: str, merged_id: str, choices: dict[str, str],
                    actor: str, undo_window: timedelta, policy: PointsPolicy, dry_run: bool = False,
                    versions: tuple[int | None, int | None] = (None, None)) -> dict[str, Any]:
    """Merge `merged_id` into `survivor_id` (or, with `dry_run`, only show what that would do).

    `versions` are the versions the caller looked at (the preview's): if either record moved on since,
    VersionConflict. Returns the survivor as it is (or would be), the conflicts and the rows moved.
    """
    moment = now()
    with unit_of_work(sessions) as session:
        repo, merges = CustomerRepository(session), MergeRepository(session)
        survivor, merged = _lock_pair(repo, survivor_id, merged_id)
        _refuse_unmergeable(merged, versions[1])
        _refuse_unmergeable(survivor, versions[0])
        merge_plan = plan(survivor, merged, choices)
        after = {**survivor, **merge_plan.result, "version": survivor["version"] + 1, "updated_at": moment}
        outcome = {"survivor": after, "merged_id": merged_id, "conflicts": merge_plan.conflicts, "dry_run": dry_run}
        if dry_run:
            session.rollback()
            outcome["survivor"] = {**after, "tier": policy.tier_for(after["points_balance"])}
            return {**outcome, "merge_id": None, "undo_until": None, "moved": merges.rows_of(merged_id)}
        merge_id = str(uuid.uuid4())
        undo_until = moment + undo_window
        # the merged record's numbers are freed first: the survivor takes them
        repo.free_phones(merged_id)
        repo.free_email(merged_id)  # and its e-mail: only the survivor's address is anyone's now
        # its points went to the survivor with its ledger: the tombstone's balance is what its ledger sums to
        emptied = {"points_balance": 0} if "points_balance" in merged else {}
        tombstone = {**merged, **emptied, "merged_into": survivor_id, "version": merged["version"] + 1,
                     "updated_at": moment}
        if not repo.update(tombstone, merged["version"], {"merged_into", *emptied}):
            raise VersionConflict(merged["version"], repo.current_version(merged_id) or merged["version"])
        changes = diff(survivor, after, _REPORTED)
        if not repo.update(after, survivor["version"], changes, email_if_free=True):
            raise VersionConflict(survivor["version"], repo.current_version(survivor_id) or survivor["version"])
        if "email" not in changes:  # the same address on both: it stays held, by the survivor now
            repo.write_email(survivor_id, after.get("email"), if_free=True)
        moved = merges.rows_of(merged_id)  # the rows are locked with their owner: no one adds any meanwhile
        merges.add({"id": merge_id, "survivor_id": survivor_id, "merged_id": merged_id, "actor": actor,
                    "merged_at": moment, "undo_until": undo_until, "choices": choices,
                    "survivor_before": snapshot(survivor), "merged_before": snapshot(merged),
                    "survivor_version": after["version"], "moved": moved})
        merges.move_rows(merge_id, merged_id, survivor_id)
        settle_tier(session, survivor_id, actor, policy)  # the points that came along may earn a higher tier
        outcome["survivor"] = repo.get(survivor_id)
        history = HistoryRepository(session)
        history.add(survivor_id, moment, actor, "merged", {"merged_id": [None, merged_id], **changes})
        history.add(merged_id, moment, actor, "merged_into", {"merged_into": [None, survivor_id]})
        _updated_event(session, after, changes)
        emit(session, events.CUSTOMER_MERGED, survivor_id,
             {"survivor_id": survivor_id, "merged_id": merged_id, "merged_at": moment, "undo_until": undo_until,
              "merge_id": merge_id})
    return {**outcome, "merge_id": merge_id, "undo_until": undo_until, "moved": moved}


def get_merge(sessions: sessionmaker[Session], merge_id: str) -> dict[str, Any]:
    """A merge (who, when, which rows, until when it can be undone), or NotFound."""
    with unit_of_work(sessions) as session:
        merge = MergeRepository(session).get(merge_id)
    if merge is None:
        raise NotFound("merge", merge_id)
    return merge


def _refuse_undo(merge: dict[str, Any], survivor: dict[str, Any], moment: datetime) -> None:
    if merge["undone_at"] is not None:
        raise Conflict(f"The merge {merge['id']} was already undone at {merge['undone_at'].isoformat()}.",
                       merge_id=merge["id"])
    if moment > merge["undo_until"]:
        raise Conflict(f"The merge {merge['id']} could be undone until {merge['undo_until'].isoformat()}; "
                       "merge the records apart by hand instead.", merge_id=merge["id"])
    if survivor.get("merged_into"):
        raise Conflict(f"The survivor {survivor['id']} was itself merged into {survivor['merged_into']} since; "
                       "undo that merge first.", survivor_id=survivor["id"], merged_into=survivor["merged_into"])
    if survivor["version"] != merge["survivor_version"]:
        raise Conflict(f"The survivor was changed after the merge (version {merge['survivor_version']} is now "
                       f"{survivor['version']}); undoing would lose those changes.", survivor_id=survivor["id"],
                       current_version=survivor["version"])


def _rebalance(session: Session, customer_id: str, actor: str, policy: PointsPolicy) -> None:
    """The balance its ledger sums to (points may have come and gone since the merge), and its tier."""
    PointsRepository(session).rebalance(customer_id)
    settle_tier(session, customer_id, actor, policy)


def undo_merge(sessions: sessionmaker[Session], merge_id: str, actor: str, policy: PointsPolicy) -> dict[str, Any]:
    """Put both records back exactly as they were before the merge, with everything each one owned."""
    moment = now()
    with unit_of_work(sessions) as session:
        repo, merges = CustomerRepository(session), MergeRepository(session)
        merge = merges.get(merge_id, for_update=True)
        if merge is None:
            raise NotFound("merge", merge_id)
        survivor, merged = _lock_pair(repo, merge["survivor_id"], merge["merged_id"])
        _refuse_undo(merge, survivor, moment)
        before, restored = (restore_columns(merge[name]) for name in ("survivor_before", "merged_before"))
        merges.move_back(merge_id, merged["id"])
        # the tier is settled from the points below, so a tier change is told as one
        back = {**before, "tier": survivor["tier"], "version": survivor["version"] + 1, "updated_at": moment}
        changes = diff(survivor, back, _REPORTED)
        repo.update(back, survivor["version"], {*changes, "phone", "phones", "email"},  # frees the merged numbers
                    email_if_free=True)
        repo.update({**restored, "version": merged["version"] + 1, "updated_at": moment}, merged["version"],
                    {*COLUMNS, "phone", "phones", "tags"}, email_if_free=True)
        for customer_id in (survivor["id"], merged["id"]):
            _rebalance(session, customer_id, actor, policy)
        merges.mark_undone(merge_id, moment, actor)
        history = HistoryRepository(session)
        history.add(survivor["id"], moment, actor, "unmerged", {"restored_id": [None, merged["id"]], **changes})
        history.add(merged["id"], moment, actor, "unmerged", {"merged_into": [survivor["id"], None]})
        _updated_event(session, back, changes)
        emit(session, events.CUSTOMER_UNMERGED, survivor["id"],
             {"survivor_id": survivor["id"], "restored_id": merged["id"], "unmerged_at": moment,
              "merge_id": merge_id})
        merge = merges.get(merge_id) or merge
    return merge
