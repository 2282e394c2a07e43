"""Use cases: import customers from a CSV or XLSX file, or only check it (dry run); follow its progress.

Rows are read and applied in chunks, each one transaction with its events and its progress, so a long
import shows how far it got and a crash loses at most the chunk in hand. Every row is checked against
the archive and against the rows above it: a phone or key already taken (in the archive or earlier in
the file) is an error on that line, never a second customer. A dry run does the same checks and writes
no customer, only the report.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from servicekit.db import unit_of_work
from servicekit.events import correlation_id
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.customers import CustomerRepository, email_holders
from customer.adapters.imports import ImportRepository, add_customers, external_id_holders, phone_owners
from customer.adapters.rows import now
from customer.adapters.stores import StoreRepository
from customer.domain.changes import diff
from customer.domain.customers import EDITABLE_FIELDS, shape
from customer.domain.duplicates import email_key
from customer.domain.errors import DomainError, InvalidFields, NotFound
from customer.domain.transfer import column_of, read_header
from customer.service_layer.customers import save_changes
from customer.service_layer.import_rows import (
    Checker,
    NewCustomer,
    PreparedRow,
    Row,
    RowSettings,
    prepared_chunks,
)

MODES = ("create", "update", "upsert")
KEYS = ("phone", "external_id")
CHUNK = 1000
#: Files with more rows than this are checked in a worker process while they are written (starting it
#: takes about a second).
PIPELINE_FROM = 5 * CHUNK
Error = tuple[int, str, str]
#: (line, the customer a row updates and that customer as the row wants it, or None and None for a new one,
#: the phone numbers the customer would hold, a new one as it will be written unless this is a dry run, and the
#: e-mail the customer would have, as compared)
Planned = tuple[int, dict[str, Any] | None, dict[str, Any] | None, tuple[str, ...], NewCustomer | None, str | None]


@dataclass(frozen=True)
class ImportOptions:
    """How to import: create / update / upsert, keyed by phone or external_id, for real or as a dry run."""

    mode: str
    key: str
    dry_run: bool
    actor: str
    fmt: str
    filename: str | None = None
    store_id: str | None = None  # the store new customers belong to
    stores: frozenset[str] | None = None  # the stores whose customers the caller may update (None: all)
    rows_name_stores: bool = False  # the file has a store_id column: its rows say which store each belongs to
    error_rows: int = 1000  # the errors of this many rows are kept (CRM_IMPORT_MAX_ERROR_ROWS); the rest counted


@dataclass(frozen=True)
class ImportLimits:
    """How much one import may take: rows after the header, bytes unpacked, rows whose errors are kept
    (customer.config reads them from CRM_IMPORT_MAX_ROWS, _MAX_UNCOMPRESSED_BYTES and _MAX_ERROR_ROWS)."""

    max_rows: int = 200_000
    max_bytes: int = 256 * 1024 * 1024
    error_rows: int = 1000


@dataclass
class _Seen:
    """What the rows above have claimed: keys, phones and e-mails, with their line."""

    keys: dict[str, int] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)


def _reach(options: ImportOptions) -> list[str] | None:
    """The stores whose staff may see an import (None: only callers of every store).

    A caller tied to stores starts imports of those stores; a creating import into one store touches that
    store alone, so its staff follow it; any other import of a group-wide caller may touch every store.
    """
    if options.stores is not None:
        return sorted(options.stores)
    if options.mode == "create" and options.store_id is not None and not options.rows_name_stores:
        return [options.store_id]
    return None


def start_import(sessions: sessionmaker[Session], options: ImportOptions, rows_total: int) -> dict[str, Any]:
    """Record a new import (running, nothing done yet) and return it."""
    moment = now()
    job = {"id": str(uuid.uuid4()), "status": "running", "mode": options.mode, "key": options.key,
           "dry_run": options.dry_run, "format": options.fmt, "filename": options.filename, "actor": options.actor,
           "stores": _reach(options),
           "rows_total": rows_total, "rows_done": 0, "created": 0, "updated": 0, "unchanged": 0, "failed": 0,
           "problem": None, "created_at": moment, "updated_at": moment, "finished_at": None}
    with unit_of_work(sessions) as session:
        ImportRepository(session).add(job)
    return job


def run_import(sessions: sessionmaker[Session], import_id: str, options: ImportOptions, rows: Iterator[Row],
               check: Checker, pipelined: bool | None = None) -> None:
    """Apply every row after the header, chunk by chunk, and mark the import done (or failed, saying why).

    `pipelined`: check the rows in a worker process, a chunk or two ahead of the one being written (by
    default when the file has more than PIPELINE_FROM rows and there is a second core; the outcome is the
    same either way)."""
    try:
        _, header = next(rows)
        fields = read_header(header)
        if pipelined is None:
            with unit_of_work(sessions) as session:
                job = ImportRepository(session).get(import_id)
            pipelined = job is not None and job["rows_total"] > PIPELINE_FROM and (os.cpu_count() or 1) > 1
        with sessions() as session:
            as_copy_text = session.get_bind().dialect.name == "postgresql"
        settings = RowSettings(options.mode, options.key, options.dry_run, options.store_id, options.actor,
                               f"import {options.filename or ''}".strip(), correlation_id.get() or import_id,
                               as_copy_text)
        chunks = iter(lambda: list(itertools.islice(rows, CHUNK)), [])
        seen = _Seen()
        for chunk, prepared in prepared_chunks(chunks, fields, settings, check, pipelined):
            # (mypy infers no type for a lambda with default arguments)
            apply_retrying(sessions, seen, lambda session, claimed, chunk=chunk, prepared=prepared: _apply_chunk(  # type: ignore[misc]
                session, import_id, options, len(chunk), prepared, check, claimed))
    except Exception as exc:
        with unit_of_work(sessions) as session:
            ImportRepository(session).finish(import_id, now(), "failed", f"{exc.__class__.__name__}: {exc}")
        raise
    with unit_of_work(sessions) as session:
        ImportRepository(session).finish(import_id, now(), "done")


def apply_retrying(sessions: sessionmaker[Session], seen: Any, apply: Callable[[Session, Any], None]) -> None:
    """Apply one chunk of an import in a transaction of its own, on a copy of what the rows above have claimed
    (`seen`: a dataclass of dicts, which the copy replaces once committed). When someone else registered one of
    the chunk's keys meanwhile (a unique key refused), the chunk is applied again, at most three times in all:
    the next attempt sees it."""
    for attempt in range(3):
        claimed = dataclasses.replace(seen, **{f.name: dict(getattr(seen, f.name)) for f in dataclasses.fields(seen)})
        try:
            with unit_of_work(sessions) as session:
                apply(session, claimed)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        for f in dataclasses.fields(seen):
            setattr(seen, f.name, getattr(claimed, f.name))
        return


def _apply_chunk(session: Session, import_id: str, options: ImportOptions, size: int, prepared: list[PreparedRow],
                 check: Checker, seen: _Seen) -> None:
    errors: list[Error] = []

    def fail(line: int, problem: InvalidFields) -> None:
        errors.extend((line, column_of(name), " ".join(messages)) for name, messages in problem.errors.items())

    keyed: list[PreparedRow] = []
    named = sorted({row.store_id for row in prepared if row.store_id is not None})
    known = StoreRepository(session).existing(named) if named else set()
    for row in prepared:
        try:
            if row.problem is not None:
                raise InvalidFields(row.problem)
            if row.key is None:  # prepared_chunks gives a key to every row without a problem
                raise ValueError(f"line {row.line}: a row without a problem and without a key")
            _check_store(row.store_id, known, options.stores)
            if row.key in seen.keys:
                raise InvalidFields.one(options.key, f"The same {options.key} as line {seen.keys[row.key]}.")
        except InvalidFields as problem:
            fail(row.line, problem)
            continue
        seen.keys[row.key] = row.line
        keyed.append(row)
    holders = _holders(session, options, [row.key for row in keyed if row.key is not None])
    repo = CustomerRepository(session)
    current = {c["id"]: c for c in repo.many(list({h for hs in holders.values() for h in hs}))}
    planned: list[Planned] = []
    for row in keyed:
        try:
            found = holders.get(row.key, []) if row.key is not None else []
            if len(found) > 1:
                raise InvalidFields.one(options.key, f"{len(found)} customers have this {options.key}; "
                                                     "import them keyed by phone.")
            target = current.get(found[0]) if found else None
            if target is not None and options.stores is not None and target.get("store_id") not in options.stores:
                raise InvalidFields.one(options.key, f"The customer with this {options.key} is not of your stores.")
            if target is not None and target.get("erased_at") is not None:
                raise InvalidFields.one(options.key, f"Customer {target['id']} was erased; it takes no more changes.")
            if target is None and options.mode == "update":
                raise InvalidFields.one(options.key, f"No customer has this {options.key}.")
            if target is not None and options.mode == "create":
                raise InvalidFields.one(options.key, f"Customer {target['id']} already has this {options.key}.")
            if target is None:  # a new customer: prepared with the row
                if row.problems:
                    raise InvalidFields(row.problems)
                if row.new_problem:
                    raise InvalidFields(row.new_problem)
                planned.append((row.line, None, None, row.numbers, row.new, row.email))
                continue
            loaded, problems = (row.loaded, row.problems) if row.partial else check(row.values, True)
            if problems:
                raise InvalidFields(problems)
            wanted = shape(target, loaded or {})
            # an address is claimed when the row changes it (one two records shared before stays as it was)
            email = email_key(wanted.get("email")) if wanted.get("email") != target.get("email") else None
            planned.append((row.line, target, wanted, (wanted["phone"], *wanted["phones"]), None, email))
        except InvalidFields as problem:
            fail(row.line, problem)
    planned = _claim_phones(session, planned, seen, fail)
    creates = [new for _, target, _, _, new, _ in planned if target is None]
    counts = {"created": len(creates), "updated": 0, "unchanged": 0}
    if not options.dry_run:
        # new customers, their history and consent, and one customer.created.v1 each (already rows)
        # all rows or all COPY text, as the settings chose for the chunk
        add_customers(session, [new.rows for new in creates if new is not None],  # type: ignore[arg-type]
                      session.get_bind().dialect.name == "postgresql")
    for line, target, changed, _, _, _ in planned:
        if target is None or changed is None:
            continue
        if not diff(target, changed, EDITABLE_FIELDS):
            counts["unchanged"] += 1
            continue
        if not options.dry_run:
            try:
                save_changes(session, target, changed, options.actor, "imported",
                             consent_source=f"import {options.filename or import_id}")
            except DomainError as problem:  # changed meanwhile: the row is reported, the rest goes on
                errors.append((line, options.key, str(problem)))
                continue
        counts["updated"] += 1
    counts["failed"] = len({line for line, _, _ in errors})
    errors.sort()
    ImportRepository(session).progress(import_id, now(), size, counts, errors, options.error_rows)


def _holders(session: Session, options: ImportOptions, keys: list[str]) -> dict[str, list[str]]:
    if options.key == "phone":
        return {phone: [customer_id] for phone, customer_id in phone_owners(session, keys).items()}
    return external_id_holders(session, keys)


def _check_store(store_id: str | None, known: set[str], stores: frozenset[str] | None) -> None:
    """InvalidFields on store_id when a row names a store that does not exist, or one not of the importer's
    stores (`stores`; None: a group-wide importer, who may import into any store), as the API refuses it."""
    if store_id is None:
        return
    if store_id not in known:
        raise InvalidFields.one("store_id", f"No store {store_id} exists.")
    if stores is not None and store_id not in stores:
        raise InvalidFields.one("store_id", f"The store {store_id} is not one of yours ({', '.join(sorted(stores))}).")


def _claim_phones(session: Session, planned: list[Planned], seen: _Seen,
                  fail: Callable[[int, InvalidFields], None]) -> list[Planned]:
    """The rows whose every number and e-mail is free (or already theirs) and on no row above; the others fail."""
    owners = phone_owners(session, [number for _, _, _, numbers, _, _ in planned for number in numbers])
    addressed = email_holders(session, [email for *_, email in planned if email])
    kept = []
    for line, target, wanted, numbers, new, email in planned:
        problems: dict[str, list[str]] = {}
        holders = addressed.get(email, []) if email else []
        if holders and (target is None or target["id"] not in holders):
            problems["email"] = [f"{email} already belongs to customer {holders[0]}."]
        elif email and seen.emails.get(email, line) != line:
            problems["email"] = [f"{email} is also on line {seen.emails[email]}."]
        for number, column in {number: "phones" if place else "phone" for place, number in enumerate(numbers)}.items():
            owner = owners.get(number)
            if owner is not None and (target is None or owner != target["id"]):
                problems.setdefault(column, []).append(f"{number} already belongs to customer {owner}.")
            elif seen.phones.get(number, line) != line:
                problems.setdefault(column, []).append(f"{number} is also on line {seen.phones[number]}.")
        if problems:
            fail(line, InvalidFields(problems))
            continue
        seen.phones.update(dict.fromkeys(numbers, line))
        if email:
            seen.emails[email] = line
        kept.append((line, target, wanted, numbers, new, email))
    return kept




def get_import(sessions: sessionmaker[Session], import_id: str) -> dict[str, Any]:
    """An import with its progress and counts, or NotFound."""
    with unit_of_work(sessions) as session:
        job = ImportRepository(session).get(import_id)
    if job is None:
        raise NotFound("import", import_id)
    return job


def import_errors(sessions: sessionmaker[Session], import_id: str, offset: int, limit: int) -> tuple[list, int]:
    """One page of an import's errors kept (line, column, message), in file order, and how many are kept."""
    with unit_of_work(sessions) as session:
        if ImportRepository(session).get(import_id) is None:
            raise NotFound("import", import_id)
        return ImportRepository(session).errors(import_id, offset, limit)


def error_counts(sessions: sessionmaker[Session], import_id: str) -> dict[str, Any]:
    """{"failed": rows with errors, all of them, "complete": whether every one of them has its errors kept}."""
    with unit_of_work(sessions) as session:
        repo = ImportRepository(session)
        job = repo.get(import_id)
        if job is None:
            raise NotFound("import", import_id)
        return {"failed": job["failed"], "complete": repo.rows_with_errors_kept(import_id) >= job["failed"]}
