"""Membership (会员卡) and points (积分) [000]: tiers by points, points from spend, a ledger that adds up.

The tier follows the balance: crossing a threshold up or down moves the customer to that tier. Every
change of the balance is one ledger entry, so the entries of a customer always sum to its balance, and
no entry may take the balance below zero.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from customer.domain.errors import Conflict

TIERS = ("regular", "silver", "gold", "diamond")
DEFAULT_THRESHOLDS: Mapping[str, int] = {"silver": 1000, "gold": 5000, "diamond": 20000}
#: earn: from a visit's amount; redeem: spent by the customer; adjust: by hand, with a reason; expire: year end
ENTRY_KINDS = ("earn", "redeem", "adjust", "expire")
#: Points expire at the end of the calendar year where the dealer group is (CRM_TIMEZONE; this by default).
BUSINESS_TIME_ZONE = ZoneInfo("Asia/Shanghai")
MAX_POINTS = 100_000_000
#: What a new customer starts with.
NEW_MEMBER = {"tier": TIERS[0], "points_balance": 0, "erased_at": None}


class InsufficientPoints(Conflict):
    """The change would take the balance below zero."""

    def __init__(self, balance: int, change: int) -> None:
        super().__init__(f"The customer has {balance} points; {-change} cannot be taken.", points_balance=balance)
        self.balance, self.change = balance, change


class ExpiryNotAllowed(Conflict):
    """Points do not expire here, or the year asked for has not ended."""


@dataclass(frozen=True)
class PointsPolicy:
    """How points are earned, which tier a balance gives, and whether points expire at year end
    (customer.config reads it from CRM_POINTS_PER_YUAN, CRM_MEMBERSHIP_TIERS and CRM_POINTS_EXPIRE_AT_YEAR_END)."""

    points_per_yuan: Decimal = Decimal(1)
    thresholds: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    expire_at_year_end: bool = False
    #: Where the year ends for the points of the year.
    time_zone: ZoneInfo = BUSINESS_TIME_ZONE

    def tier_for(self, balance: int) -> str:
        """The tier a balance of points gives."""
        reached = [name for name in TIERS[1:] if balance >= self.thresholds[name]]
        return reached[-1] if reached else TIERS[0]

    def earned(self, amount: Decimal) -> int:
        """Points earned by spending `amount` yuan (whole points, rounded down)."""
        return int((amount * self.points_per_yuan).to_integral_value(rounding=ROUND_FLOOR))


def new_balance(balance: int, change: int) -> int:
    """The balance after `change`; InsufficientPoints rather than a negative balance."""
    result = balance + change
    if result < 0:
        raise InsufficientPoints(balance, change)
    return result


def start_of_year(year: int, zone: ZoneInfo = BUSINESS_TIME_ZONE) -> datetime:
    """The first moment of `year` where the dealer group is."""
    return datetime(year, 1, 1, tzinfo=zone)


def check_expiry(policy: PointsPolicy, year: int, today: date) -> None:
    """Raise ExpiryNotAllowed unless points expire and `year` is over."""
    if not policy.expire_at_year_end:
        raise ExpiryNotAllowed("Points do not expire here (CRM_POINTS_EXPIRE_AT_YEAR_END is off).")
    if year >= today.year:
        raise ExpiryNotAllowed(f"The year {year} has not ended yet; points of {year} expire from {year + 1}-01-01.")


def expiring(entries: Iterable[tuple[datetime, int]], year: int, zone: ZoneInfo = BUSINESS_TIME_ZONE) -> int:
    """How many points of `year` and before expire now, given every (time, points) entry of a customer.

    Points are spent oldest first: whatever was left at the end of `year` and has not been spent since
    expires; points earned after the year stay.
    """
    boundary = start_of_year(year + 1, zone)
    left_at_year_end = spent_since = 0
    for at, points in entries:
        if at < boundary:
            left_at_year_end += points
        elif points < 0:
            spent_since -= points
    return max(0, left_at_year_end - spent_since)
