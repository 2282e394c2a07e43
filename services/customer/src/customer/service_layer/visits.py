"""Use cases: record a visit (and what it does to the customer: mileage, becoming an owner, points) and read one.
Correcting and voiding a visit: visit_corrections; the callback visit of a completed callback task:
callback_visits."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.adapters.visits import VisitRepository
from customer.domain import lifecycle
from customer.domain.errors import NotFound
from customer.domain.points import PointsPolicy
from customer.domain.visits import ALL_DETAILS, check_details, check_occurred_at
from customer.service_layer.assets import customer_asset
from customer.service_layer.customers import live_customer, save_changes
from customer.service_layer.emit import emit
from customer.service_layer.odometer_readings import keep_mileage
from customer.service_layer.points import rebalance_visit_points


def store_visit(session: Session, current: dict[str, Any], visit: dict[str, Any], read_on: date, actor: str,
           policy: PointsPolicy | None) -> None:
    """Keep a new visit and what it does, in `session`'s transaction (the customer row locked)."""
    customer_id = current["id"]
    if visit["asset_id"] is not None:
        customer_asset(session, customer_id, visit["asset_id"], field="asset_id")
    # the reading's day is the day where the visit happened, in the offset the client sent
    keep_mileage(session, customer_id, visit, read_on)
    if visit["kind"] == "delivery":
        new_kind, new_stage = lifecycle.after_delivery(current["kind"], current["stage"])
        if (new_kind, new_stage) != (current["kind"], current["stage"]):
            # kept, so that voiding the delivery can give the customer back what it took
            visit["effects"] = {"made_owner": {name: current[name] for name in ("kind", "stage", "intent_grade")}}
    VisitRepository(session).add(visit)
    HistoryRepository(session).add(customer_id, visit["created_at"], actor, "visit_recorded",
                                   {"visit": [None, {"id": visit["id"], "kind": visit["kind"]}]})
    emit(session, events.VISIT_DONE, customer_id, {"customer_id": customer_id, "visit": visit})
    if policy is not None:
        rebalance_visit_points(session, visit, actor, policy)
    if "effects" in visit:
        save_changes(session, current, {**current, "kind": "owner", "stage": "owner", "intent_grade": None}, actor,
                     "stage_changed")


def new_visit(customer_id: str, values: dict[str, Any], details: dict[str, Any], actor: str,
               moment: datetime, visit_id: str | None = None) -> dict[str, Any]:
    """A new visit of the customer from the checked `values` and `details`, recorded by `actor` at `moment`."""
    occurred_at = values.get("occurred_at") or moment
    return {"id": visit_id or str(uuid.uuid4()), "customer_id": customer_id, "kind": values["kind"],
            "occurred_at": occurred_at.astimezone(UTC), "asset_id": values.get("asset_id"),
            "staff": values.get("staff"), "notes": values.get("notes"), "details": details,
            "recorded_by": actor, "created_at": moment, "version": 1, "reminder_id": values.get("reminder_id"),
            "updated_at": None, "voided_at": None, "voided_by": None, "void_reason": None}


def record_visit(sessions: sessionmaker[Session], customer_id: str, values: dict[str, Any],
                 actor: str, policy: PointsPolicy | None = None) -> dict[str, Any]:
    """Record a visit; a delivery makes a prospect an owner (history + customer.updated.v1); the visit's
    amount earns points by `policy` (none earned without one)."""
    moment = now()
    details = check_details(values["kind"], {name: values.get(name) for name in ALL_DETAILS})
    occurred_at = values.get("occurred_at") or moment
    check_occurred_at(occurred_at, moment)
    visit = new_visit(customer_id, values, details, actor, moment)
    with unit_of_work(sessions) as session:
        # locked: a delivery changes the customer, and it must not race an edit of the same customer
        current = live_customer(session, customer_id)
        store_visit(session, current, visit, occurred_at.date(), actor, policy)
    visit.pop("effects", None)
    return visit


def get_visit(sessions: sessionmaker[Session], customer_id: str, visit_id: str) -> dict[str, Any]:
    """One visit of the customer (voided ones too), or NotFound."""
    with unit_of_work(sessions) as session:
        visit = VisitRepository(session).get(visit_id)
    if visit is None or visit["customer_id"] != customer_id:
        raise NotFound("visit", visit_id)
    return visit
