"""Use cases: record a visit (and what it does to the customer: mileage, becoming an owner, points), correct
it, void it (and undo what it did), and record the callback visit of a completed callback task."""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any

from servicekit.db import unit_of_work
from servicekit.timestamps import as_utc
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.assets import AssetRepository
from customer.adapters.customers import CustomerRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.adapters.visits import VisitRepository
from customer.domain import lifecycle
from customer.domain.changes import diff, jsonable
from customer.domain.errors import Conflict, InvalidFields, NotFound, VersionConflict
from customer.domain.merge import refuse_merged
from customer.domain.odometer import Reading, check_reading
from customer.domain.points import PointsPolicy
from customer.domain.privacy import refuse_erased
from customer.domain.visits import ALL_DETAILS, REQUIRED_DETAILS, check_details, check_occurred_at
from customer.service_layer.assets import customer_asset
from customer.service_layer.customers import save_changes
from customer.service_layer.emit import emit
from customer.service_layer.points import rebalance_visit_points

log = logging.getLogger(__name__)
#: What a correction may change of a visit besides its details (never its kind or its customer).
CORRECTABLE = ("occurred_at", "asset_id", "staff", "notes")
#: Where the id of the visit recorded for a completed callback task comes from (uuid5 of this + reminder id).
CALLBACK_VISIT_NAME = "guanxi:reminder-callback:"


def callback_visit_id(reminder_id: str) -> str:
    """The id of the visit recorded for the callback task `reminder_id`: always the same one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, CALLBACK_VISIT_NAME + reminder_id))


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
    repo.add_reading(asset["id"], reading, visit["id"], visit.get("updated_at") or visit["created_at"],
                     "visit", visit["recorded_by"])


def _locked_customer(session: Session, customer_id: str) -> dict[str, Any]:
    current = CustomerRepository(session).get(customer_id, for_update=True)
    if current is None:
        raise NotFound("customer", customer_id)
    refuse_merged(current)  # merged or erased meanwhile: the check before the view saw it live
    refuse_erased(current)
    return current


def _store(session: Session, current: dict[str, Any], visit: dict[str, Any], read_on: date, actor: str,
           policy: PointsPolicy | None) -> None:
    """Keep a new visit and what it does, in `session`'s transaction (the customer row locked)."""
    customer_id = current["id"]
    if visit["asset_id"] is not None:
        customer_asset(session, customer_id, visit["asset_id"], field="asset_id")
    # the reading's day is the day where the visit happened, in the offset the client sent
    _keep_mileage(session, customer_id, visit, read_on)
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


def _new_visit(customer_id: str, values: dict[str, Any], details: dict[str, Any], actor: str,
               moment: datetime, visit_id: str | None = None) -> dict[str, Any]:
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
    visit = _new_visit(customer_id, values, details, actor, moment)
    with unit_of_work(sessions) as session:
        # locked: a delivery changes the customer, and it must not race an edit of the same customer
        current = _locked_customer(session, customer_id)
        _store(session, current, visit, occurred_at.date(), actor, policy)
    visit.pop("effects", None)
    return visit


def get_visit(sessions: sessionmaker[Session], customer_id: str, visit_id: str) -> dict[str, Any]:
    """One visit of the customer (voided ones too), or NotFound."""
    with unit_of_work(sessions) as session:
        visit = VisitRepository(session).get(visit_id)
    if visit is None or visit["customer_id"] != customer_id:
        raise NotFound("visit", visit_id)
    return visit


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
        _locked_customer(session, customer_id)
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
            _keep_mileage(session, customer_id, {**after, "recorded_by": actor}, read_on)
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
        current = _locked_customer(session, customer_id)
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
    visit = _new_visit(current["id"], {"kind": "callback", "occurred_at": occurred_at, "asset_id": asset_id,
                                       "staff": data.get("completed_by"), "notes": data.get("notes"),
                                       "reminder_id": reminder_id},
                       details, actor, moment, visit_id)
    _store(session, current, visit, occurred_at.date(), actor, policy)
    return True
