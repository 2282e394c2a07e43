"""Use cases: correct a visit (its reading and points follow) and void one recorded by mistake (what it did
undone)."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.assets import AssetRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.adapters.visits import VisitRepository
from customer.domain.changes import diff, jsonable
from customer.domain.errors import Conflict, InvalidFields, NotFound, VersionConflict
from customer.domain.points import PointsPolicy
from customer.domain.visits import ALL_DETAILS, REQUIRED_DETAILS, check_details, check_occurred_at
from customer.service_layer.assets import customer_asset
from customer.service_layer.customers import live_customer, save_changes
from customer.service_layer.emit import emit
from customer.service_layer.odometer_readings import keep_mileage
from customer.service_layer.points import rebalance_visit_points

#: What a correction may change of a visit besides its details (never its kind or its customer).
CORRECTABLE = ("occurred_at", "asset_id", "staff", "notes")


def _locked_visit(session: Session, customer_id: str, visit_id: str, expected_version: int) -> dict[str, Any]:
    visit = VisitRepository(session).get(visit_id, for_update=True)
    if visit is None or visit["customer_id"] != customer_id:
        raise NotFound("visit", visit_id)
    if visit["voided_at"] is not None:
        raise Conflict(f"The visit {visit_id} was voided ({visit['void_reason']}); a voided visit is not changed "
                       "any more.", voided_at=visit["voided_at"].isoformat())
    if visit["version"] != expected_version:
        raise VersionConflict(expected_version, visit["version"], "visit")
    return visit


def _flat(visit: dict[str, Any]) -> dict[str, Any]:
    """A visit's correctable fields with each detail as details.<name>, as changes name them."""
    return {**{name: visit.get(name) for name in CORRECTABLE},
            **{f"details.{name}": value for name, value in visit["details"].items()}}


def _corrected(before: dict[str, Any], values: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The visit as `values` correct it, checked: a detail its kind needs is corrected, not removed, and it
    keeps the time it happened (not in the future)."""
    kind = before["kind"]
    wanted = {**before["details"], **{name: values[name] for name in ALL_DETAILS if name in values}}
    details = check_details(kind, wanted, require=False)
    lost = [name for name in REQUIRED_DETAILS.get(kind, ()) if name in before["details"] and name not in details]
    if lost:
        raise InvalidFields({name: [f"A {kind} visit needs {name}; correct it rather than remove it."]
                             for name in lost})
    after = {**before, **{name: values[name] for name in CORRECTABLE if name in values}, "details": details}
    if after["occurred_at"] is None:
        raise InvalidFields.one("occurred_at", "A visit keeps the time it happened; send the right one.")
    check_occurred_at(after["occurred_at"], moment)
    after["occurred_at"] = after["occurred_at"].astimezone(UTC)
    return after


def correct_visit(sessions: sessionmaker[Session], customer_id: str, visit_id: str, values: dict[str, Any],
                  expected_version: int, reason: str, actor: str,
                  policy: PointsPolicy | None = None) -> dict[str, Any]:
    """Correct a visit edited at `expected_version` (`values`: the fields to change, None clears one); its
    reading, its points and its version follow; history and visit.corrected.v1. Unchanged when nothing differs."""
    moment = now()
    with unit_of_work(sessions) as session:
        live_customer(session, customer_id)
        before = _locked_visit(session, customer_id, visit_id, expected_version)
        kind = before["kind"]
        after = _corrected(before, values, moment)
        if after["asset_id"] is not None and after["asset_id"] != before["asset_id"]:
            customer_asset(session, customer_id, after["asset_id"], field="asset_id")
        changes = diff(_flat(before), _flat(after), sorted(set(_flat(before)) | set(_flat(after))))
        if not changes:
            return before
        after.update(version=before["version"] + 1, updated_at=moment)
        repo = AssetRepository(session)
        if changes.keys() & {"occurred_at", "asset_id", "details.odometer_km"}:
            repo.set_aside_readings_of_visit(visit_id, moment)
            read_on = (values["occurred_at"].date() if values.get("occurred_at") is not None
                       else after["occurred_at"].date())
            keep_mileage(session, customer_id, {**after, "recorded_by": actor}, read_on)
        if not VisitRepository(session).update(after, before["version"]):
            raise VersionConflict(expected_version, before["version"] + 1, "visit")
        HistoryRepository(session).add(customer_id, moment, actor, "visit_corrected",
                                       {"visit": [None, {"id": visit_id, "kind": kind,
                                                         "version": after["version"]}],
                                        **changes, "reason": [None, reason]})
        emit(session, events.VISIT_CORRECTED, customer_id, {
            "customer_id": customer_id, "visit": after, "changes": changes, "reason": reason,
            "corrected_by": actor, "corrected_at": moment})
        if policy is not None and "details.amount" in changes:
            rebalance_visit_points(session, after, actor, policy)
    return after


def void_visit(sessions: sessionmaker[Session], customer_id: str, visit_id: str, expected_version: int,
               reason: str, actor: str, policy: PointsPolicy | None = None) -> dict[str, Any]:
    """Void a visit recorded by mistake: it stays in the history marked voided, and what it did is undone
    (its odometer reading set aside, its points taken back, a prospect it made an owner a prospect again);
    history and visit.voided.v1."""
    moment = now()
    with unit_of_work(sessions) as session:
        current = live_customer(session, customer_id)
        before = _locked_visit(session, customer_id, visit_id, expected_version)
        after = {**before, "version": before["version"] + 1, "updated_at": moment, "voided_at": moment,
                 "voided_by": actor, "void_reason": reason}
        visits = VisitRepository(session)
        if not visits.update(after, before["version"]):
            raise VersionConflict(expected_version, before["version"] + 1, "visit")
        AssetRepository(session).set_aside_readings_of_visit(visit_id, moment)
        HistoryRepository(session).add(customer_id, moment, actor, "visit_voided", {
            "visit": [jsonable({"id": visit_id, "kind": before["kind"], "occurred_at": before["occurred_at"]}), None],
            "reason": [None, reason]})
        emit(session, events.VISIT_VOIDED, customer_id, {
            "customer_id": customer_id, "visit_id": visit_id, "asset_id": before["asset_id"], "kind": before["kind"],
            "occurred_at": before["occurred_at"], "reason": reason, "voided_by": actor, "voided_at": moment,
            "version": after["version"]})
        if policy is not None:
            rebalance_visit_points(session, after, actor, policy)
        _undo_effects(session, current, after, actor)
    return after


def _undo_effects(session: Session, current: dict[str, Any], visit: dict[str, Any], actor: str) -> None:
    """Give the customer back what a voided delivery took: a prospect made an owner by it (and by no other
    delivery) who is still a plain owner becomes the prospect they were, intent grade and all."""
    before = (visit.get("effects") or {}).get("made_owner")
    if not before or VisitRepository(session).live_of_kind(current["id"], "delivery", visit["id"]):
        return
    if (current["kind"], current["stage"]) != ("owner", "owner"):
        return  # moved on since (loyal, lost): a person decided that; leave it
    save_changes(session, current, {**current, **before}, actor, "stage_changed")
