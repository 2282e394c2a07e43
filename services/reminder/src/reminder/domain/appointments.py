"""Which visit keeps an appointment (预约): the right kind of visit, for the same vehicle, in the window."""
from __future__ import annotations

from datetime import datetime, timedelta

#: The visit kinds that keep an appointment of each purpose.
KEPT_BY: dict[str, frozenset[str]] = {
    "maintenance": frozenset({"service"}),
    "repair": frozenset({"service"}),
    "inspection": frozenset({"service", "store"}),
    "renewal": frozenset({"store", "service", "sales_call"}),
    "test_drive": frozenset({"store"}),
    "delivery": frozenset({"delivery"}),
    "consultation": frozenset({"store", "sales_call"}),
}


def keeps(purpose: str, scheduled_at: datetime, asset_id: str | None, visit_kind: str, visited_at: datetime,
          visit_asset_id: str | None, hours_before: int, hours_after: int) -> bool:
    """True when a visit of `visit_kind` at `visited_at` keeps the appointment."""
    if visit_kind not in KEPT_BY[purpose]:
        return False
    if asset_id is not None and visit_asset_id is not None and asset_id != visit_asset_id:
        return False
    return scheduled_at - timedelta(hours=hours_before) <= visited_at <= scheduled_at + timedelta(hours=hours_after)
