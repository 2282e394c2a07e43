"""Use cases of membership: earn points from a visit, redeem, adjust by hand, expire at year end.

Every change locks the customer's row first (SELECT … FOR UPDATE on PostgreSQL), so concurrent
changes of one customer queue up instead of losing points; the balance update is conditional as well,
and the database refuses a negative balance outright.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from servicekit.db import unit_of_work
from servicekit.pages import offset
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.history import HistoryRepository
from customer.adapters.points import PointsRepository
from customer.adapters.rows import now
from customer.domain.errors import Conflict, NotFound
from customer.domain.merge import refuse_merged
from customer.domain.points import (
    InsufficientPoints,
    PointsPolicy,
    check_expiry,
    expiring,
    new_balance,
)
from customer.service_layer.emit import emit

EXPIRY_BATCH = 500


def _tier_moved(session: Session, customer_id: str, before: str, after: str, balance: int, actor: str) -> None:
    moment = now()
    HistoryRepository(session).add(customer_id, moment, actor, "tier_changed", {"tier": [before, after]})
    emit(session, events.CUSTOMER_TIER_CHANGED, customer_id, {
        "customer_id": customer_id, "from_tier": before, "to_tier": after, "points_balance": balance,
        "changed_at": moment})


def change_points(session: Session, customer_id: str, change: int, kind: str, reason: str | None, actor: str,
                  policy: PointsPolicy, ref: str | None = None) -> dict[str, Any]:
    """Move a customer's balance by `change` with one ledger entry, in `session`'s transaction.

    Emits customer.tier_changed.v1 when the new balance gives another tier. Returns {balance, tier}.
    """
    repo = PointsRepository(session)
    account = repo.account(customer_id, for_update=True)
    if account is None:
        raise NotFound("customer", customer_id)
    if account["erased_at"] is not None:
        raise Conflict("The customer was erased; their points can no longer change.")
    refuse_merged({"id": customer_id, **account})
    balance = new_balance(account["balance"], change)
    tier = policy.tier_for(balance)
    if repo.change_balance(customer_id, change, tier) is None:
        raise InsufficientPoints(account["balance"], change)  # only without the row lock (never on PostgreSQL)
    repo.add_entry(customer_id, now(), kind, change, reason, actor, ref)
    if tier != account["tier"]:
        _tier_moved(session, customer_id, account["tier"], tier, balance, actor)
    return {"customer_id": customer_id, "balance": balance, "tier": tier}


def settle_tier(session: Session, customer_id: str, actor: str, policy: PointsPolicy) -> bool:
    """Give the customer the tier its balance earns when it has another (thresholds changed, points arrived by
    a merge), with history and customer.tier_changed.v1; True when the tier moved."""
    repo = PointsRepository(session)
    account = repo.account(customer_id, for_update=True)
    if account is None or account["erased_at"] is not None or account["merged_into"] is not None:
        return False
    tier = policy.tier_for(account["balance"])
    if tier == account["tier"]:
        return False
    repo.change_balance(customer_id, 0, tier)
    _tier_moved(session, customer_id, account["tier"], tier, account["balance"], actor)
    return True


def retier(sessions: sessionmaker[Session], actor: str, policy: PointsPolicy) -> dict[str, Any]:
    """Settle the tier of every customer whose tier is not the one its balance earns (after the thresholds
    of CRM_MEMBERSHIP_TIERS changed); each customer its own transaction."""
    changed, last = 0, ""
    while True:
        with unit_of_work(sessions) as session:
            batch = PointsRepository(session).off_tier(policy.thresholds, last, EXPIRY_BATCH)
        if not batch:
            return {"changed": changed}
        for customer_id in batch:
            with unit_of_work(sessions) as session:
                changed += settle_tier(session, customer_id, actor, policy)
        last = batch[-1]


def earn_for_visit(session: Session, visit: dict[str, Any], actor: str, policy: PointsPolicy) -> int:
    """Credit the points a visit's amount earns (in the visit's transaction); how many were earned."""
    return max(0, rebalance_visit_points(session, visit, actor, policy))


def rebalance_visit_points(session: Session, visit: dict[str, Any], actor: str, policy: PointsPolicy) -> int:
    """Bring the points a visit holds to what its amount earns now (nothing once it is voided), with one
    ledger entry for the difference, in the visit's transaction; the change.

    A visit's entries answer to `visit:<id>` (recorded), `visit:<id>:v<version>` (corrected) and
    `visit:<id>:void`, so none is written twice. Points already spent are not taken below zero: a voided
    visit takes back what is left of them.
    """
    amount = visit["details"].get("amount")
    target = 0 if visit.get("voided_at") is not None or amount is None else policy.earned(Decimal(amount))
    repo = PointsRepository(session)
    ref = f"visit:{visit['id']}"
    held = repo.held_by(ref)
    change = target - held
    if change < 0:
        account = repo.account(visit["customer_id"], for_update=True)
        change = max(change, -(account["balance"] if account is not None else 0))
    if change == 0:
        return 0
    if visit.get("voided_at") is not None:
        kind, reason, ref = "adjust", f"{visit['kind']} visit voided", f"{ref}:void"
    elif held or repo.has_ref(ref):
        kind, reason, ref = ("earn" if change > 0 else "adjust",
                             f"{visit['kind']} visit corrected, {amount} CNY", f"{ref}:v{visit['version']}")
    else:
        kind, reason = "earn", f"{visit['kind']} visit, {amount} CNY"
    change_points(session, visit["customer_id"], change, kind, reason, actor, policy, ref=ref)
    return change


def redeem(sessions: sessionmaker[Session], customer_id: str, points: int, reason: str, actor: str,
           policy: PointsPolicy) -> dict[str, Any]:
    """The customer spends `points` (409 when they have fewer)."""
    with unit_of_work(sessions) as session:
        return change_points(session, customer_id, -points, "redeem", reason, actor, policy)


def adjust(sessions: sessionmaker[Session], customer_id: str, points: int, reason: str, actor: str,
           policy: PointsPolicy) -> dict[str, Any]:
    """Add or take points by hand, with the reason kept in the ledger."""
    with unit_of_work(sessions) as session:
        return change_points(session, customer_id, points, "adjust", reason, actor, policy)


def account_of(sessions: sessionmaker[Session], customer_id: str, page: int, page_size: int,
               policy: PointsPolicy) -> dict[str, Any]:
    """Balance, tier, what the next tier needs, and one page of the ledger (newest first)."""
    with unit_of_work(sessions) as session:
        repo = PointsRepository(session)
        account = repo.account(customer_id)
        if account is None:
            raise NotFound("customer", customer_id)
        items, total = repo.entries(customer_id, offset(page, page_size), page_size)
    above = [(name, floor) for name, floor in policy.thresholds.items() if floor > account["balance"]]
    following = min(above, key=lambda pair: pair[1]) if above else None
    return {"customer_id": customer_id, "balance": account["balance"], "tier": account["tier"],
            "next_tier": following[0] if following else None,
            "points_to_next_tier": following[1] - account["balance"] if following else None,
            "items": items, "total": total, "page": page, "page_size": page_size}


def _expire_one(sessions: sessionmaker[Session], customer_id: str, year: int, actor: str,
                policy: PointsPolicy) -> int:
    ref = f"expiry:{year}:{customer_id}"
    with unit_of_work(sessions) as session:
        repo = PointsRepository(session)
        account = repo.account(customer_id, for_update=True)
        if account is None or account["erased_at"] is not None or account["merged_into"] is not None:
            return 0
        if repo.has_ref(ref):
            return 0  # this year's expiry already ran for this customer
        points = min(expiring(repo.movements(customer_id), year, policy.time_zone), account["balance"])
        if points > 0:
            change_points(session, customer_id, -points, "expire", f"points of {year} and before, unspent",
                          actor, policy, ref=ref)
        return points


def expire_year(sessions: sessionmaker[Session], year: int, actor: str, policy: PointsPolicy,
                today: date | None = None) -> dict[str, Any]:
    """Expire, for every customer, the points left from `year` and before (oldest spent first).

    Each customer is its own transaction, so a long run never holds many locks, and running it again
    expires nothing twice (the entry answers to the year and customer).
    """
    check_expiry(policy, year, today or datetime.now(policy.time_zone).date())
    customers = points = 0
    last = ""
    while True:
        with unit_of_work(sessions) as session:
            batch = PointsRepository(session).holders(last, EXPIRY_BATCH)
        if not batch:
            break
        for customer_id in batch:
            expired = _expire_one(sessions, customer_id, year, actor, policy)
            customers += expired > 0
            points += expired
        last = batch[-1]
    return {"year": year, "customers": customers, "points": points}
