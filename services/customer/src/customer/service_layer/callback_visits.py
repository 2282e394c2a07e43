"""Use case: record the callback visit of a callback task completed with its outcome (reminder.completed.v1)."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session

from customer.adapters.assets import AssetRepository
from customer.adapters.customers import CustomerRepository
from customer.adapters.rows import now
from customer.adapters.visits import VisitRepository
from customer.domain.points import PointsPolicy
from customer.domain.visits import check_details
from customer.service_layer.visits import new_visit, store_visit

log = logging.getLogger(__name__)
#: Where the id of the visit recorded for a completed callback task comes from (uuid5 of this + reminder id).
CALLBACK_VISIT_NAME = "guanxi:reminder-callback:"


def callback_visit_id(reminder_id: str) -> str:
    """The id of the visit recorded for the callback task `reminder_id`: always the same one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, CALLBACK_VISIT_NAME + reminder_id))


def _survivor_locked(customers: CustomerRepository, customer_id: str) -> dict[str, Any] | None:
    """The customer, or the one it was merged into (a merged customer's task: the visit goes to the survivor),
    locked; None when unknown."""
    current = customers.get(customer_id, for_update=True)
    seen = set()
    while current is not None and current.get("merged_into") and current["id"] not in seen:
        seen.add(current["id"])
        current = customers.get(current["merged_into"], for_update=True)
    return current


def _instant(text: str | None, otherwise: datetime) -> datetime:
    """An event's ISO time (UTC when it names no offset), or `otherwise` when it has none."""
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00"))) if text else otherwise


def record_callback_of_reminder(session: Session, data: dict[str, Any], policy: PointsPolicy | None = None) -> bool:
    """Record the callback visit of a callback task completed with its outcome (reminder.completed.v1 with
    `callback`), in the consumer's transaction; the visit's id comes from the reminder's, so a second
    delivery records nothing. False when nothing was recorded."""
    callback, reminder_id = data.get("callback"), str(data["reminder_id"])
    if not callback:
        return False
    visit_id = callback_visit_id(reminder_id)
    current = _survivor_locked(CustomerRepository(session), str(data["customer_id"]))
    if current is None or current.get("erased_at") is not None or current.get("merged_into"):
        log.info("callback of reminder %s not recorded: customer %s is unknown or erased", reminder_id,
                 data["customer_id"])
        return False
    # looked for with the customer's row locked: a concurrent delivery of the same completion has committed
    # its visit by then, or waits for this one
    if VisitRepository(session).get(visit_id) is not None:
        return False
    moment = now()
    occurred_at = _instant(data.get("completed_at"), moment)
    details = check_details("callback", {"channel": callback.get("channel"),
                                         "satisfaction": callback.get("satisfaction"),
                                         "scores": callback.get("scores") or None,
                                         "outcome": callback.get("outcome")})
    asset_id = data.get("asset_id")
    if asset_id is not None:
        asset = AssetRepository(session).get(str(asset_id))
        asset_id = asset["id"] if asset is not None and asset["customer_id"] == current["id"] else None
    actor = str(data.get("completed_by") or "reminder")
    visit = new_visit(current["id"], {"kind": "callback", "occurred_at": occurred_at, "asset_id": asset_id,
                                       "staff": data.get("completed_by"), "notes": data.get("notes"),
                                       "reminder_id": reminder_id},
                       details, actor, moment, visit_id)
    store_visit(session, current, visit, occurred_at.date(), actor, policy)
    return True
