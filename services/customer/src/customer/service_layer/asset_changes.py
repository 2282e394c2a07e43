"""Use cases: correct an asset (plate, VIN, model, dates, odometer), mark it sold or scrapped, hand it to
another of our customers, void it when it was registered by mistake, and record an odometer reading on its
own. Each keeps a history entry and emits its event in the same transaction; each edit names the version
it was made on."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.assets import AssetRepository
from customer.adapters.customers import CustomerRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.domain.assets import EDITABLE_ASSET_FIELDS, check_asset
from customer.domain.changes import diff
from customer.domain.errors import Conflict, DuplicateVin, InvalidFields, NotFound, VersionConflict
from customer.domain.merge import refuse_merged
from customer.domain.odometer import Reading, check_reading
from customer.domain.privacy import refuse_erased
from customer.domain.vehicles import plate_key
from customer.domain.visits import check_occurred_at
from customer.service_layer.emit import emit

#: What an update may change and name in `changes` (odometer_km: a correcting reading of today).
UPDATED_FIELDS = (*EDITABLE_ASSET_FIELDS, "odometer_km", "status")


def _live_customer(session: Session, customer_id: str) -> dict[str, Any]:
    customer = CustomerRepository(session).get(customer_id, for_update=True)
    if customer is None:
        raise NotFound("customer", customer_id)
    refuse_merged(customer)
    refuse_erased(customer)
    return customer


def _locked_asset(session: Session, customer_id: str, asset_id: str, expected_version: int | None) -> dict[str, Any]:
    asset = AssetRepository(session).get(asset_id, for_update=True)
    if asset is None or asset["customer_id"] != customer_id:
        raise NotFound("asset", asset_id)
    if asset["voided_at"] is not None:
        raise Conflict(f"The asset {asset_id} was voided ({asset['void_reason']}); it is not changed any more.",
                       voided_at=asset["voided_at"].isoformat())
    if expected_version is not None and asset["version"] != expected_version:
        raise VersionConflict(expected_version, asset["version"], "asset")
    return asset


def _write(session: Session, before: dict[str, Any], after: dict[str, Any]) -> None:
    repo = AssetRepository(session)
    if not repo.update(after, before["version"], plate_key(after["plate"]) if after.get("plate") else None):
        raise VersionConflict(before["version"], repo.current_version(before["id"]) or before["version"], "asset")


def _correcting_reading(session: Session, asset: dict[str, Any], km: int, read_on: date, at: datetime, actor: str,
                        correction: bool, source: str = "reading") -> None:
    """Keep a reading; one that contradicts the others is a 422 unless it is a `correction`, which sets the
    readings it shows wrong aside."""
    if asset["kind"] != "vehicle":
        raise InvalidFields.one("odometer_km", "Only vehicles have an odometer.")
    repo = AssetRepository(session)
    reading = Reading(km=km, read_on=read_on)
    if correction:
        if km < 0:
            raise InvalidFields.one("odometer_km", "An odometer reading cannot be negative.")
        repo.set_aside_contradicting(asset["id"], reading, at)
    else:
        check_reading(repo.readings(asset["id"]), reading)
    repo.add_reading(asset["id"], reading, None, at, source, actor)


def update_asset(sessions: sessionmaker[Session], customer_id: str, asset_id: str, values: dict[str, Any],
                 expected_version: int, reason: str | None, actor: str) -> dict[str, Any]:
    """Correct some fields of an asset edited at `expected_version` (None clears a field), or mark it sold or
    scrapped; an odometer_km corrects the mileage as of today. History and asset.updated.v1; unchanged (same
    version, no event) when nothing differs."""
    moment = now()
    try:
        with unit_of_work(sessions) as session:
            _live_customer(session, customer_id)
            before = _locked_asset(session, customer_id, asset_id, expected_version)
            after = _edited(before, values)
            changes = diff(before, after, UPDATED_FIELDS)
            if not changes:
                return before
            repo = AssetRepository(session)
            if "vin" in changes and after.get("vin"):
                holder = repo.vin_holder(after["vin"])
                if holder is not None and holder[0] != asset_id:
                    raise DuplicateVin(after["vin"], *holder)
            if "odometer_km" in changes:
                _correcting_reading(session, before, after["odometer_km"], moment.date(), moment, actor, True,
                                    "correction")
            after.update(version=before["version"] + 1, updated_at=moment)
            _write(session, before, after)
            after = repo.get(asset_id) or after
            _tell_updated(session, customer_id, before, after, changes, reason, actor, moment)
            return after
    except IntegrityError:
        with unit_of_work(sessions) as session:  # a concurrent request registered the VIN first
            holder = AssetRepository(session).vin_holder(values.get("vin") or "")
            if holder is not None and holder[0] != asset_id:
                raise DuplicateVin(values["vin"], *holder) from None
        raise


def _edited(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The asset as `values` want it, checked as a new one is (an odometer reading may be corrected, not removed)."""
    wanted = {**{name: before.get(name) for name in EDITABLE_ASSET_FIELDS},
              **{name: values[name] for name in EDITABLE_ASSET_FIELDS if name in values}}
    checked = check_asset({"kind": before["kind"], **wanted})
    after = {**before, **{name: checked.get(name) for name in EDITABLE_ASSET_FIELDS},
             "status": values.get("status") or before["status"]}
    if "odometer_km" in values and values["odometer_km"] is None:
        raise InvalidFields.one("odometer_km", "A reading cannot be removed; send the right mileage.")
    if values.get("odometer_km") is not None and values["odometer_km"] != before["odometer_km"]:
        after["odometer_km"] = values["odometer_km"]
    return after


def _tell_updated(session: Session, customer_id: str, before: dict[str, Any], after: dict[str, Any],
                  changes: dict[str, Any], reason: str | None, actor: str, moment: datetime) -> None:
    """History and asset.updated.v1 of an asset's update, and odometer.recorded.v1 of a corrected mileage."""
    asset_id = after["id"]
    action = "asset_updated" if changes.keys() - {"status"} else f"asset_{after['status']}"
    HistoryRepository(session).add(customer_id, moment, actor, action, {
        "asset": [None, {"id": asset_id, "kind": before["kind"], "version": after["version"]}],
        **changes,
        **({"reason": [None, reason]} if reason else {})})
    emit(session, events.ASSET_UPDATED, customer_id, {
        "customer_id": customer_id, "asset": after, "changes": changes, "reason": reason,
        "updated_by": actor, "updated_at": moment, "previous_customer_id": None})
    if "odometer_km" in changes:  # in the words mileage readers already follow, too
        emit(session, events.ODOMETER_RECORDED, customer_id, {
            "customer_id": customer_id, "asset_id": asset_id, "odometer_km": after["odometer_km"],
            "read_at": moment, "source": "reading", "recorded_by": actor, "correction": True})


def transfer_asset(sessions: sessionmaker[Session], customer_id: str, asset_id: str, to_customer_id: str,
                   expected_version: int, reason: str | None, actor: str) -> dict[str, Any]:
    """Hand an asset to another of our customers (a car sold to, or now driven by, someone we know): it goes
    with its odometer readings, its visits stay with the former owner's history. History on both customers;
    asset.updated.v1 about the new owner, naming the former one."""
    if to_customer_id == customer_id:
        raise InvalidFields.one("to_customer_id", "The asset already belongs to this customer.")
    moment = now()
    with unit_of_work(sessions) as session:
        # both customers locked, always in the same order, so two opposite transfers cannot deadlock
        for locked in sorted((customer_id, to_customer_id)):
            try:
                _live_customer(session, locked)
            except NotFound:
                if locked == customer_id:
                    raise
                raise InvalidFields.one("to_customer_id", f"No customer with id {to_customer_id}.") from None
        before = _locked_asset(session, customer_id, asset_id, expected_version)
        after = {**before, "customer_id": to_customer_id, "status": "active", "version": before["version"] + 1,
                 "updated_at": moment}
        _write(session, before, after)
        after = AssetRepository(session).get(asset_id) or after
        changes = diff(before, after, ("customer_id", "status"))
        summary = {key: before.get(key) for key in ("id", "kind", "model", "plate", "vin") if before.get(key)}
        history = HistoryRepository(session)
        extra = {"reason": [None, reason]} if reason else {}
        history.add(customer_id, moment, actor, "asset_transferred_out",
                    {"asset": [summary, None], "to_customer_id": [None, to_customer_id], **extra})
        history.add(to_customer_id, moment, actor, "asset_transferred_in",
                    {"asset": [None, summary], "from_customer_id": [None, customer_id], **extra})
        emit(session, events.ASSET_UPDATED, to_customer_id, {
            "customer_id": to_customer_id, "asset": after, "changes": changes, "reason": reason,
            "updated_by": actor, "updated_at": moment, "previous_customer_id": customer_id})
    return after


def void_asset(sessions: sessionmaker[Session], customer_id: str, asset_id: str, expected_version: int,
               reason: str, actor: str) -> dict[str, Any]:
    """Void an asset registered by mistake: its VIN and plate are freed (no search finds it, the VIN can be
    registered again where it belongs), it leaves the asset list, and asset.voided.v1 tells every service to
    forget it; the history keeps what it was."""
    moment = now()
    with unit_of_work(sessions) as session:
        _live_customer(session, customer_id)
        before = _locked_asset(session, customer_id, asset_id, expected_version)
        after = {**before, "vin": None, "version": before["version"] + 1, "updated_at": moment,
                 "voided_at": moment, "voided_by": actor, "void_reason": reason}
        repo = AssetRepository(session)
        if not repo.update(after, before["version"], None):
            raise VersionConflict(expected_version, before["version"] + 1, "asset")
        summary = {key: before.get(key) for key in ("id", "kind", "model", "plate", "vin", "description")
                   if before.get(key)}
        HistoryRepository(session).add(customer_id, moment, actor, "asset_voided",
                                       {"asset": [summary, None], "reason": [None, reason]})
        emit(session, events.ASSET_VOIDED, customer_id, {"customer_id": customer_id, "asset_id": asset_id,
                                                          "reason": reason, "voided_by": actor, "voided_at": moment})
        return repo.get(asset_id) or after


def record_reading(sessions: sessionmaker[Session], customer_id: str, asset_id: str, km: int,
                   read_at: datetime | None, correction: bool, actor: str) -> dict[str, Any]:
    """Keep an odometer reading taken on its own (a photo of the dashboard, a call). A reading that would
    make the mileage go backwards is a 422 unless `correction` says the earlier readings were wrong (those
    it contradicts are set aside). History and odometer.recorded.v1."""
    moment = now()
    read_at = read_at or moment
    check_occurred_at(read_at, moment, "read_at")
    with unit_of_work(sessions) as session:
        _live_customer(session, customer_id)
        asset = _locked_asset(session, customer_id, asset_id, None)
        if asset["status"] != "active":
            raise Conflict(f"The asset {asset_id} is {asset['status']}; its mileage is no longer followed.",
                           status=asset["status"])
        _correcting_reading(session, asset, km, read_at.date(), moment, actor, correction)
        HistoryRepository(session).add(customer_id, moment, actor, "odometer_recorded", {
            "asset": [None, {"id": asset_id, "plate": asset.get("plate")}],
            "odometer_km": [asset["odometer_km"], km], **({"correction": [None, True]} if correction else {})})
        emit(session, events.ODOMETER_RECORDED, customer_id, {
            "customer_id": customer_id, "asset_id": asset_id, "odometer_km": km, "read_at": read_at.astimezone(UTC),
            "source": "reading", "recorded_by": actor, "correction": correction})
    return {"asset_id": asset_id, "km": km, "read_on": read_at.date(), "read_at": read_at.astimezone(UTC),
            "correction": correction, "source": "reading", "recorded_by": actor, "recorded_at": moment,
            "visit_id": None, "voided_at": None}
