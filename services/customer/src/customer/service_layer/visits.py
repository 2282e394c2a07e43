"""Use case: record a visit (and what it does to the customer: mileage, becoming an owner)."""
from __future__ import annotations

import uuid
from datetime import UTC, date
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.assets import AssetRepository
from customer.adapters.customers import CustomerRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.adapters.visits import VisitRepository
from customer.domain import lifecycle
from customer.domain.errors import InvalidFields, NotFound
from customer.domain.merge import refuse_merged
from customer.domain.odometer import Reading, check_reading
from customer.domain.points import PointsPolicy
from customer.domain.privacy import refuse_erased
from customer.domain.visits import ALL_DETAILS, check_details
from customer.service_layer.assets import customer_asset
from customer.service_layer.customers import save_changes
from customer.service_layer.emit import emit
from customer.service_layer.points import earn_for_visit


def _keep_mileage(session: Session, customer_id: str, visit: dict[str, Any], read_on: date) -> None:
    km = visit["details"].get("odometer_km")
    if km is None:
        return
    if visit.get("asset_id") is None:
        raise InvalidFields.one("asset_id", "A service visit with odometer_km needs the vehicle's asset_id.")
    asset = customer_asset(session, customer_id, visit["asset_id"], field="asset_id")
    if asset["kind"] != "vehicle":
        raise InvalidFields.one("odometer_km", "Only vehicles have an odometer.")
    repo = AssetRepository(session)
    reading = Reading(km=km, read_on=read_on)
    check_reading(repo.readings(asset["id"]), reading)
    repo.add_reading(asset["id"], reading, visit["id"], visit["created_at"])


def record_visit(sessions: sessionmaker[Session], customer_id: str, values: dict[str, Any],
                 actor: str, policy: PointsPolicy | None = None) -> dict[str, Any]:
    """Record a visit; a delivery makes a prospect an owner (history + customer.updated.v1); the visit's
    amount earns points by `policy` (none earned without one)."""
    kind = values["kind"]
    moment = now()
    details = check_details(kind, {name: values.get(name) for name in ALL_DETAILS})
    occurred_at = values.get("occurred_at") or moment
    visit = {"id": str(uuid.uuid4()), "customer_id": customer_id, "kind": kind,
             "occurred_at": occurred_at.astimezone(UTC), "asset_id": values.get("asset_id"),
             "staff": values.get("staff"), "notes": values.get("notes"), "details": details,
             "recorded_by": actor, "created_at": moment}
    with unit_of_work(sessions) as session:
        # locked: a delivery changes the customer, and it must not race an edit of the same customer
        current = CustomerRepository(session).get(customer_id, for_update=True)
        if current is None:
            raise NotFound("customer", customer_id)
        refuse_merged(current)  # merged or erased meanwhile: the check before the view saw it live
        refuse_erased(current)
        if visit["asset_id"] is not None:
            customer_asset(session, customer_id, visit["asset_id"], field="asset_id")
        # the reading's day is the day where the visit happened, in the offset the client sent
        _keep_mileage(session, customer_id, visit, occurred_at.date())
        VisitRepository(session).add(visit)
        HistoryRepository(session).add(customer_id, moment, actor, "visit_recorded",
                                       {"visit": [None, {"id": visit["id"], "kind": kind}]})
        emit(session, events.VISIT_DONE, customer_id, {"customer_id": customer_id, "visit": visit})
        if policy is not None:
            earn_for_visit(session, visit, actor, policy)
        if kind == "delivery":
            new_kind, new_stage = lifecycle.after_delivery(current["kind"], current["stage"])
            save_changes(session, current, {**current, "kind": new_kind, "stage": new_stage}, actor,
                         "stage_changed")
    return visit
