"""How the values events carry are read into the read model: local days, amounts in fen, which visit is a
maintenance, purchase types in words."""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

PURCHASE_TYPES = ("首次购车", "增购", "换购")
#: customer.*.v1 `purchase_type` codes and the words the prospects report shows for them.
PURCHASE_TYPE_NAMES = {"first": "首次购车", "additional": "增购", "replacement": "换购"}
#: Visits in which the customer came to us (recency, frequency and spend of RFM, churn): not our calls.
CUSTOMER_VISITS = ("store", "delivery", "service", "event")
#: The service type that makes a service visit a maintenance (首保, last service); none given: a maintenance.
MAINTENANCE = "maintenance"


def local_day(value: str | None, zone: tzinfo) -> date | None:
    """The local date in `zone` (the business's, CRM_TIMEZONE) of an ISO 8601 timestamp (or a plain date)."""
    if not value:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(zone).date() if moment.tzinfo else moment.date()


def fen(amount: Any) -> int:
    """A CNY decimal string in fen (0 when absent or unreadable)."""
    try:
        return int(Decimal(str(amount)) * 100) if amount not in (None, "") else 0
    except InvalidOperation:
        return 0


def is_maintenance(kind: str, service_type: str | None) -> bool:
    """Whether a visit is a maintenance: a service visit of type `maintenance`, or one without a type (as
    every service visit was before visits had types; a free-text type of then counts when it says 保养).
    The same rule in SQL: reporting.adapters.record_queries.maintenance_visit."""
    if kind != "service":
        return False
    return not service_type or service_type == MAINTENANCE or "保养" in service_type


def purchase_type(data: dict[str, Any]) -> tuple[bool, str | None]:
    """(whether `data` says anything of the purchase type, the words for it): the `purchase_type` code, or,
    from producers of before it, the purchase-type tag."""
    if data.get("purchase_type"):
        return True, PURCHASE_TYPE_NAMES.get(data["purchase_type"], data["purchase_type"])
    if "purchase_type" in data and "tags" not in data:
        return True, None
    if "tags" in data:
        return True, next((tag for tag in data["tags"] or () if tag in PURCHASE_TYPES), None)
    return False, None
