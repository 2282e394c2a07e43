"""Membership rules: tiers by thresholds, points from spend, no negative balance, year-end expiry."""
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from customer.config import points_policy
from customer.domain.points import (
    BUSINESS_TIME_ZONE,
    ExpiryNotAllowed,
    InsufficientPoints,
    PointsPolicy,
    check_expiry,
    expiring,
    new_balance,
)

SHANGHAI = BUSINESS_TIME_ZONE


def test_tier_follows_the_balance_by_the_default_thresholds():
    policy = PointsPolicy()
    assert [policy.tier_for(n) for n in (0, 999, 1000, 4999, 5000, 19999, 20000, 10**7)] == [
        "regular", "regular", "silver", "silver", "gold", "gold", "diamond", "diamond"]


def test_thresholds_and_rate_come_from_the_environment():
    policy = points_policy({"CRM_MEMBERSHIP_TIERS": "silver=100, gold=200,diamond=300",
                                    "CRM_POINTS_PER_YUAN": "0.5", "CRM_POINTS_EXPIRE_AT_YEAR_END": "true"})
    assert (policy.tier_for(99), policy.tier_for(100), policy.tier_for(250), policy.tier_for(300)) == (
        "regular", "silver", "gold", "diamond")
    assert policy.earned(Decimal("199.99")) == 99 and policy.expire_at_year_end
    assert points_policy({"CRM_MEMBERSHIP_TIERS": "gold=8000"}).thresholds == {
        "silver": 1000, "gold": 8000, "diamond": 20000}


@pytest.mark.parametrize("env", [
    {"CRM_MEMBERSHIP_TIERS": "platinum=10"},
    {"CRM_MEMBERSHIP_TIERS": "silver=6000"},  # above gold
    {"CRM_MEMBERSHIP_TIERS": "silver=0"},
    {"CRM_POINTS_PER_YUAN": "lots"},
    {"CRM_POINTS_PER_YUAN": "-1"},
    {"CRM_POINTS_EXPIRE_AT_YEAR_END": "maybe"},
])
def test_a_bad_setting_is_refused_with_its_name(env):
    with pytest.raises(ValueError, match=next(iter(env))):
        points_policy(env)


def test_points_are_whole_and_rounded_down():
    assert PointsPolicy().earned(Decimal("680.99")) == 680
    assert PointsPolicy(points_per_yuan=Decimal("0.1")).earned(Decimal("9.99")) == 0


def test_a_balance_never_goes_below_zero():
    assert new_balance(10, -10) == 0
    with pytest.raises(InsufficientPoints) as caught:
        new_balance(10, -11)
    assert caught.value.details == {"points_balance": 10}


def _at(year, month, day):
    return datetime(year, month, day, 12, tzinfo=SHANGHAI)


def test_what_is_left_of_a_year_expires_and_later_points_stay():
    entries = [(_at(2025, 3, 1), 500), (_at(2025, 6, 1), -200), (_at(2026, 2, 1), 300)]
    assert expiring(entries, 2025) == 300


def test_spending_after_new_year_uses_the_old_points_first():
    entries = [(_at(2025, 3, 1), 500), (_at(2026, 1, 5), -400), (_at(2026, 2, 1), 300)]
    assert expiring(entries, 2025) == 100
    assert expiring([(_at(2025, 3, 1), 500), (_at(2026, 1, 5), -600), (_at(2026, 1, 2), 700)], 2025) == 0


def test_new_year_is_midnight_in_shanghai():
    just_after = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in Shanghai
    assert expiring([(just_after, 100)], 2025) == 0
    assert expiring([(datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI), 100)], 2025) == 100


def test_expiry_needs_the_setting_and_a_finished_year():
    with pytest.raises(ExpiryNotAllowed, match="CRM_POINTS_EXPIRE_AT_YEAR_END"):
        check_expiry(PointsPolicy(), 2025, date(2026, 1, 1))
    with pytest.raises(ExpiryNotAllowed, match="not ended"):
        check_expiry(PointsPolicy(expire_at_year_end=True), 2026, date(2026, 12, 31))
    check_expiry(PointsPolicy(expire_at_year_end=True), 2025, date(2026, 1, 1))


def test_new_year_is_midnight_in_the_business_time_zone():
    policy = points_policy({"CRM_TIMEZONE": "Asia/Urumqi"})
    assert policy.time_zone == ZoneInfo("Asia/Urumqi") and points_policy({}).time_zone == SHANGHAI
    moment = datetime(2025, 12, 31, 17, 0, tzinfo=UTC)  # 23:00 on 31 December in Urumqi, 01:00 on 1 January in Shanghai
    assert expiring([(moment, 100)], 2025, policy.time_zone) == 100
    assert expiring([(moment, 100)], 2025) == 0
