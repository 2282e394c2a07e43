"""Use case: import the vehicles (车辆) of customers already in the archive from a CSV or XLSX file, or only
check it (dry run).

Each row names its customer by the customer's phone (or external id: the import's key) and gives one vehicle:
plate, VIN, model, delivery date, odometer. Import the customers first (the customer import), then their
vehicles. Rows are applied in chunks, each one transaction with its events and its progress, as the customer
import is; the job, its progress and its errors are read where a customer import's are. Every row is checked
as the API checks a vehicle, and against the archive and the rows above it: a customer unknown or out of the
importer's stores, a VIN registered to someone else or on a row above, the customer's plate on a row above,
are errors on that line. A row whose vehicle its customer already has (the same VIN, or, without a VIN, the
same plate) is counted unchanged, so a file imported twice, or a vehicles export imported back, registers
nothing twice. Each vehicle is registered as the API registers one (service_layer.assets.add_asset: history,
first odometer reading, asset.registered.v1). A dry run does the same checks and registers nothing.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.customers import CustomerRepository
from customer.adapters.imports import ImportRepository, external_id_holders, phone_owners
from customer.adapters.rows import now
from customer.adapters.vehicles import plates_held, vin_holders
from customer.domain.assets import check_asset
from customer.domain.errors import DomainError, InvalidFields
from customer.domain.transfer import column_of
from customer.domain.vehicle_transfer import VEHICLE_FIELDS, read_header, row_values
from customer.domain.vehicles import plate_key
from customer.service_layer.assets import add_asset, new_asset
from customer.service_layer.import_chunks import Error
from customer.service_layer.import_rows import Row, key_of
from customer.service_layer.imports import CHUNK, ImportOptions, apply_retrying

#: The mode an import of vehicles is kept with (beside create / update / upsert of customers).
MODE = "vehicles"
#: The API's checks of one vehicle's values: (values loaded, {field: messages}).
VehicleChecker = Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, list[str]]]]


@dataclass
class _Seen:
    """What the rows above have registered: VINs, and each customer's plates, with their line."""

    vins: dict[str, int] = field(default_factory=dict)
    plates: dict[tuple[str, str], int] = field(default_factory=dict)


def run_vehicle_import(sessions: sessionmaker[Session], import_id: str, options: ImportOptions, rows: Iterator[Row],
                       check: VehicleChecker) -> None:
    """Apply every row after the header, chunk by chunk, and mark the import done (or failed, saying why)."""
    try:
        _, header = next(rows)
        fields = read_header(header, options.key)
        seen = _Seen()
        for chunk in iter(lambda: list(itertools.islice(rows, CHUNK)), []):
            # (mypy infers no type for a lambda with default arguments)
            apply_retrying(sessions, seen, lambda session, claimed, chunk=chunk: _apply_chunk(  # type: ignore[misc]
                session, import_id, options, fields, chunk, check, claimed))
    except Exception as exc:
        with unit_of_work(sessions) as session:
            ImportRepository(session).finish(import_id, now(), "failed", f"{exc.__class__.__name__}: {exc}")
        raise
    with unit_of_work(sessions) as session:
        ImportRepository(session).finish(import_id, now(), "done")


def _read(cells: Any, fields: list[str | None], key: str, check: VehicleChecker) -> tuple[str, dict[str, Any]]:
    """(the row's customer key, its vehicle's fields as check_asset gives them); InvalidFields otherwise."""
    values, unreadable = row_values(fields, cells)
    if unreadable:
        raise InvalidFields({name: [message] for name, message in unreadable.items()})
    customer_key = key_of(values, key)
    loaded, problems = check({"kind": "vehicle", **{name: values[name] for name in VEHICLE_FIELDS if name in values}})
    if problems:
        raise InvalidFields(problems)
    return customer_key, check_asset(loaded)


def _apply_chunk(session: Session, import_id: str, options: ImportOptions, fields: list[str | None],
                 chunk: list[Row], check: VehicleChecker, seen: _Seen) -> None:
    errors: list[Error] = []

    def fail(line: int, problem: InvalidFields) -> None:
        errors.extend((line, column_of(name), " ".join(messages)) for name, messages in problem.errors.items())

    parsed = _parsed(chunk, fields, options.key, check, fail)
    repo = CustomerRepository(session)
    holders, owners, held = _archive(session, repo, options.key, parsed)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    moment = now()
    for line, customer_key, vehicle in parsed:
        try:
            owner = _owner(holders.get(customer_key, []), owners, options)
            vin, plate = vehicle.get("vin"), plate_key(vehicle["plate"]) if vehicle.get("plate") else None
            if _already_held(owner, vehicle, vin, plate, held, seen):
                counts["unchanged"] += 1
                continue
        except InvalidFields as problem:
            fail(line, problem)
            continue
        if not options.dry_run:
            try:
                _register(session, repo, owner, vehicle, options.actor, moment)
            except InvalidFields as problem:
                fail(line, problem)
                continue
            except DomainError as problem:  # changed meanwhile (merged, erased): the row is reported
                errors.append((line, options.key, str(problem)))
                continue
        if vin:
            seen.vins[vin] = line
        if plate:
            seen.plates[(owner["id"], plate)] = line
        counts["created"] += 1
    counts["failed"] = len({line for line, _, _ in errors})
    errors.sort()
    ImportRepository(session).progress(import_id, now(), len(chunk), counts, errors, options.error_rows)


def _parsed(chunk: list[Row], fields: list[str | None], key: str, check: VehicleChecker,
            fail: Callable[[int, InvalidFields], None]) -> list[tuple[int, str, dict[str, Any]]]:
    """(line, customer key, vehicle) of each row that reads and passes the API's checks; the others fail."""
    parsed: list[tuple[int, str, dict[str, Any]]] = []
    for line, cells in chunk:
        try:
            parsed.append((line, *_read(cells, fields, key, check)))
        except InvalidFields as problem:
            fail(line, problem)
    return parsed


def _archive(session: Session, repo: CustomerRepository, key: str, parsed: list[tuple[int, str, dict[str, Any]]]
             ) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]], _Held]:
    """What the archive holds of the rows: {key: the customers with it}, {id: those customers}, and the VINs and
    plates already registered."""
    keys = [customer_key for _, customer_key, _ in parsed]
    holders = ({phone: [customer_id] for phone, customer_id in phone_owners(session, keys).items()}
               if key == "phone" else external_id_holders(session, keys))
    owners = {c["id"]: c for c in repo.many(sorted({h for hs in holders.values() for h in hs}))}
    held = _Held(vin_holders(session, [vehicle["vin"] for _, _, vehicle in parsed if vehicle.get("vin")]),
                 plates_held(session, owners))
    return holders, owners, held


def _register(session: Session, repo: CustomerRepository, owner: dict[str, Any], vehicle: dict[str, Any],
              actor: str, moment: Any) -> None:
    """Register the vehicle as the API does, in a savepoint: a row refused here leaves nothing of itself behind."""
    with session.begin_nested():
        locked = repo.get(owner["id"], for_update=True) or owner
        asset, odometer_km = new_asset(owner["id"], {"kind": "vehicle", **vehicle}, moment)
        add_asset(session, locked, asset, odometer_km, actor, moment)


class _Held(NamedTuple):
    """What the archive holds of a chunk's vehicles: {VIN: (asset, customer)}, and the plates of its customers."""

    vins: dict[str, tuple[str, str]]
    plates: dict[tuple[str, str], str]


def _already_held(owner: dict[str, Any], vehicle: dict[str, Any], vin: str | None, plate: str | None, held: _Held,
                  seen: _Seen) -> bool:
    """Whether the customer already has the row's vehicle (the same VIN, or without a VIN the same plate);
    InvalidFields when its VIN is another's, or its VIN or the customer's plate is on a row above."""
    if vin and vin in held.vins:
        asset_id, holder = held.vins[vin]
        if holder == owner["id"]:
            return True
        raise InvalidFields.one("vin", f"The VIN {vin} is already registered (asset {asset_id} of "
                                       f"customer {holder}).")
    if vin and vin in seen.vins:
        raise InvalidFields.one("vin", f"The VIN {vin} is also on line {seen.vins[vin]}.")
    if plate and (owner["id"], plate) in seen.plates:
        raise InvalidFields.one("plate", f"The customer's plate {vehicle['plate']} is also on line "
                                         f"{seen.plates[(owner['id'], plate)]}.")
    return bool(not vin and plate and (owner["id"], plate) in held.plates)


def _owner(found: list[str], owners: dict[str, dict[str, Any]], options: ImportOptions) -> dict[str, Any]:
    """The customer a row's key names, if the importer may give them a vehicle; InvalidFields on the key."""
    key = options.key
    if not found:
        raise InvalidFields.one(key, f"No customer has this {key}; import the customers first.")
    if len(found) > 1:
        raise InvalidFields.one(key, f"{len(found)} customers have this {key}; name the customer by phone.")
    owner = owners[found[0]]
    if options.stores is not None and owner.get("store_id") not in options.stores:
        raise InvalidFields.one(key, f"The customer with this {key} is not of your stores.")
    if owner.get("erased_at") is not None:
        raise InvalidFields.one(key, f"Customer {owner['id']} was erased; it takes no more changes.")
    return owner
