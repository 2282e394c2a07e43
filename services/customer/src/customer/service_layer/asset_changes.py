"""Use cases: correct an asset (plate, VIN, model, dates, odometer), mark it sold or scrapped, hand it to
another of our customers, void it when it was registered by mistake (an odometer reading on its own:
odometer_readings). Each keeps a history entry and emits its event in the same transaction; each edit names
the version it was made on."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.assets import AssetRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.domain.assets import EDITABLE_ASSET_FIELDS, check_asset
from customer.domain.changes import diff
from customer.domain.errors import DuplicateVin, InvalidFields, NotFound, VersionConflict
from customer.domain.vehicles import plate_key
from customer.service_layer.assets import locked_asset
from customer.service_layer.customers import live_customer
from customer.service_layer.emit import emit
from customer.service_layer.odometer_readings import keep_reading

#: What an update may change and name in `changes` (odometer_km: a correcting reading of today).
UPDATED_FIELDS = (*EDITABLE_ASSET_FIELDS, "odometer_km", "status")


def _write(session: Session, before: dict[str, Any], after: dict[str, Any]) -> None:
    repo = AssetRepository(session)
    if not repo.update(after, before["version"], plate_key(after["plate"]) if after.get("plate") else None):
        raise VersionConflict(before["version"], repo.current_version(before["id"]) or before["version"], "asset")


def update_asset(sessions: sessionmaker[Session], customer_id: str, asset_id: str, values: dict[str, Any],
                 expected_version: int, reason: str | None, actor: str) -> dict[str, Any]:
    """Correct some fields of an asset edited at `expected_version` (None clears a field), or mark it sold or
    scrapped; an odometer_km corrects the mileage as of today. History and asset.updated.v1; unchanged (same
    version, no event) when nothing differs."""
    moment = now()
    try:
        with unit_of_work(sessions) as session:
            live_customer(session, customer_id)
            before = locked_asset(session, customer_id, asset_id, expected_version)
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
                keep_reading(session, before, after["odometer_km"], moment.date(), moment, actor, True,
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
                live_customer(session, locked)
            except NotFound:
                if locked == customer_id:
                    raise
                raise InvalidFields.one("to_customer_id", f"No customer with id {to_customer_id}.") from None
        before = locked_asset(session, customer_id, asset_id, expected_version)
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
        live_customer(session, customer_id)
        before = locked_asset(session, customer_id, asset_id, expected_version)
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
