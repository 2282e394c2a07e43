"""The customer service's own settings (beside the kit's), read once at start from the CRM_* variables and
passed in: the points policy, the limits of an import, how long a merge can be undone."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from servicekit.config import business_time_zone

from customer.domain.points import DEFAULT_THRESHOLDS, TIERS, PointsPolicy
from customer.service_layer.imports import ImportLimits

#: How long a merge can be undone unless CRM_CUSTOMER_MERGE_UNDO_HOURS says otherwise.
DEFAULT_UNDO_HOURS = 168.0


@dataclass(frozen=True)
class CustomerSettings:
    """What the customer service reads from its environment beside the kit's settings."""

    points: PointsPolicy = field(default_factory=PointsPolicy)
    imports: ImportLimits = field(default_factory=ImportLimits)
    merge_undo: timedelta = timedelta(hours=DEFAULT_UNDO_HOURS)


def customer_settings(env: Mapping[str, str]) -> CustomerSettings:
    """Every setting of the customer service from `env` (the kit's Settings.extra); ValueError naming a
    variable whose value is unusable."""
    return CustomerSettings(points=points_policy(env), imports=import_limits(env), merge_undo=merge_undo(env))


def _thresholds(raw: str) -> dict[str, int]:
    """`silver=1000,gold=5000,diamond=20000` as a mapping; ValueError naming what is wrong."""
    values: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in raw.split(","))):
        name, _, number = part.partition("=")
        name = name.strip()
        if name not in TIERS[1:]:
            raise ValueError(f"CRM_MEMBERSHIP_TIERS: unknown tier {name!r} (use {', '.join(TIERS[1:])})")
        values[name] = int(number)
    thresholds = {**DEFAULT_THRESHOLDS, **values}
    ordered = [thresholds[name] for name in TIERS[1:]]
    if ordered[0] <= 0 or ordered != sorted(set(ordered)):
        raise ValueError("CRM_MEMBERSHIP_TIERS: thresholds must be positive and rise from silver to diamond")
    return thresholds


def points_policy(env: Mapping[str, str]) -> PointsPolicy:
    """The policy of CRM_POINTS_PER_YUAN, CRM_MEMBERSHIP_TIERS and CRM_POINTS_EXPIRE_AT_YEAR_END, whose years
    end in the business's time zone (CRM_TIMEZONE)."""
    try:
        rate = Decimal(env.get("CRM_POINTS_PER_YUAN") or "1")
    except InvalidOperation:
        raise ValueError("CRM_POINTS_PER_YUAN must be a number, like 1 or 0.5") from None
    if not rate.is_finite() or rate < 0:
        raise ValueError("CRM_POINTS_PER_YUAN must not be negative")
    expire = (env.get("CRM_POINTS_EXPIRE_AT_YEAR_END") or "false").strip().lower()
    if expire not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError("CRM_POINTS_EXPIRE_AT_YEAR_END must be true or false")
    return PointsPolicy(points_per_yuan=rate, thresholds=_thresholds(env.get("CRM_MEMBERSHIP_TIERS") or ""),
                        expire_at_year_end=expire in ("true", "1", "yes"), time_zone=business_time_zone(env))


def import_limits(env: Mapping[str, str]) -> ImportLimits:
    """CRM_IMPORT_MAX_ROWS, CRM_IMPORT_MAX_UNCOMPRESSED_BYTES and CRM_IMPORT_MAX_ERROR_ROWS (unset: the
    defaults); ValueError for one that is not a positive whole number."""
    values = {}
    for name, variable in (("max_rows", "CRM_IMPORT_MAX_ROWS"), ("max_bytes", "CRM_IMPORT_MAX_UNCOMPRESSED_BYTES"),
                           ("error_rows", "CRM_IMPORT_MAX_ERROR_ROWS")):
        raw = env.get(variable)
        if raw:
            if not raw.isdigit() or int(raw) < 1:
                raise ValueError(f"{variable} must be a positive whole number, not {raw!r}")
            values[name] = int(raw)
    return ImportLimits(**values)


def merge_undo(env: Mapping[str, str]) -> timedelta:
    """How long after a merge it can be undone (CRM_CUSTOMER_MERGE_UNDO_HOURS, a week by default)."""
    hours = env.get("CRM_CUSTOMER_MERGE_UNDO_HOURS")
    return timedelta(hours=float(hours) if hours else DEFAULT_UNDO_HOURS)
