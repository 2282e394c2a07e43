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
from dataclasses import dataclass
from typing import Any

from servicekit.db import unit_of_work
from servicekit.events import correlation_id
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.imports import ImportRepository, analyze_looked_up, rows_known
from customer.adapters.rows import now
from customer.domain.errors import NotFound
from customer.domain.transfer import read_header
from customer.service_layer.import_chunks import Seen, apply_chunk
from customer.service_layer.import_rows import (
    Checker,
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
        seen = Seen()
        statistics = _Statistics(sessions, options.dry_run)
        for chunk, prepared in prepared_chunks(chunks, fields, settings, check, pipelined):
            # (mypy infers no type for a lambda with default arguments)
            apply_retrying(sessions, seen, lambda session, claimed, chunk=chunk, prepared=prepared: apply_chunk(  # type: ignore[misc]
                session, import_id, options, len(chunk), prepared, check, claimed))
            statistics.after(len(chunk))
    except Exception as exc:
        with unit_of_work(sessions) as session:
            ImportRepository(session).finish(import_id, now(), "failed", f"{exc.__class__.__name__}: {exc}")
        raise
    with unit_of_work(sessions) as session:
        ImportRepository(session).finish(import_id, now(), "done")


class _Statistics:
    """Keeps the planner's statistics of the tables an import looks up in step with their growth: refreshed
    whenever the import has (at most) doubled what they knew of, so an import into an empty or small archive
    is looked up by index throughout (with statistics of an empty table, each chunk's look-ups read every row
    written before it: quadratic time). A large archive is not analyzed again for an import much smaller."""

    def __init__(self, sessions: sessionmaker[Session], dry_run: bool) -> None:
        self.sessions = sessions
        self.dry_run = dry_run
        with unit_of_work(sessions) as session:
            self.known = self.start = rows_known(session)
        self.rows = 0

    def after(self, rows: int) -> None:
        """`rows` more rows of the file applied (a bound on the customers they created)."""
        self.rows += rows
        if self.dry_run or self.start + self.rows <= 2 * self.known:
            return
        with unit_of_work(self.sessions) as session:
            analyze_looked_up(session)
        self.known = self.start + self.rows


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
