"""Bulk import (CSV, XLSX) with a dry run and progress; export of any search as CSV or XLSX, streamed."""
from __future__ import annotations

import contextvars
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from flask import Response, stream_with_context
from flask_smorest import Blueprint
from marshmallow import RAISE, ValidationError
from servicekit.auth import current_identity, requires
from servicekit.fastload import FastLoader
from servicekit.problems import Problem
from servicekit.view_context import actor, sessions

from customer.adapters.spreadsheets import FORMATS, TooLarge, UnreadableFile, read_rows
from customer.adapters.upload_bounds import check_size, count_rows
from customer.domain import vehicle_transfer
from customer.domain.search import build_filters
from customer.domain.transfer import UnreadableHeader, read_header
from customer.entrypoints.api.asset_schemas import AssetArgs
from customer.entrypoints.api.context import config
from customer.entrypoints.api.schemas import CustomerArgs, PageArgs
from customer.entrypoints.api.scope import admit
from customer.entrypoints.api.transfer_schemas import (
    ExportArgs,
    ImportErrorPage,
    ImportFile,
    ImportJob,
    ImportOptionsArgs,
    VehicleImportOptionsArgs,
)
from customer.service_layer import exports, imports, vehicle_imports

log = logging.getLogger(__name__)
blp = Blueprint("transfer", __name__, url_prefix="/api/v1/customers",
                description="Customers in bulk: import from CSV or XLSX, export any search.")
#: Where the app keeps its ImportLimits.
#: An import that has not moved for this long was cut off (its process ended) and is reported as failed.
STALE_AFTER_SECONDS = 120


#: Rows are checked as the API checks a customer (the same schema), without marshmallow's per-row overhead.
_CUSTOMER_ARGS = FastLoader(CustomerArgs())


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, list):
        return {prefix: [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for name, inner in messages.items():
        flat.update(_flatten(inner, f"{prefix}.{name}" if prefix else str(name)))
    return flat


#: Vehicle rows are checked as the API checks a new asset.
_ASSET_ARGS = FastLoader(AssetArgs())


def check_vehicle_row(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One vehicle row's values checked as the API checks a new asset."""
    try:
        return _ASSET_ARGS.load(values), {}
    except ValidationError as exc:
        return {}, _flatten(exc.messages)


def check_row(values: dict[str, Any], partial: bool) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One row's values checked as the API checks a new (or, `partial`, an edited) customer."""
    try:
        return _CUSTOMER_ARGS.load(values, partial=partial), {}
    except ValidationError as exc:
        return {}, _flatten(exc.messages)


def _format_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise Problem(422, "Unprocessable Entity", "Send a .csv or .xlsx file.",
                      errors={"file": [f"{filename!r} is neither .csv nor .xlsx."]})
    return suffix


def _run_in_background(job_id: str, options: imports.ImportOptions, path: Path, max_rows: int,
                       run: Any = None) -> None:
    app_sessions = sessions()
    context = contextvars.copy_context()  # the request id travels into every event the import writes

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            yield from read_rows(path, options.fmt, max_rows)
        finally:
            path.unlink(missing_ok=True)  # read to the end: gone before the import is marked done

    def work() -> None:
        try:
            if run is None:
                imports.run_import(app_sessions, job_id, options, rows(), check_row)
            else:
                run(app_sessions, job_id, options, rows())
        except Exception:
            log.exception("import %s failed", job_id)
        finally:
            path.unlink(missing_ok=True)

    threading.Thread(target=context.run, args=(work,), name=f"import-{job_id}", daemon=True).start()


def _checked(path: Path, fmt: str, limits: imports.ImportLimits,
             read: Any = read_header) -> tuple[int, list[str | None]]:
    """The rows after the header of a file that can be imported, and the fields of its columns (`read` reads
    the header); else a 413 or 422 naming what is wrong.
    Each check is bounded: the size from the file system or the zip directory, the rows (and a workbook's
    table of text) counted up to one past the limit, then the header from the first row."""
    try:
        check_size(path, fmt, limits.max_bytes)
        total = count_rows(path, fmt, limits.max_rows)
        with closing(read_rows(path, fmt)) as rows:  # a workbook is opened only now, known to be bounded
            _, header = next(rows, (1, []))
        return total, read(header)
    except TooLarge as exc:
        raise Problem(413, "Content Too Large", str(exc), errors={"file": [str(exc)]}) from None
    except (UnreadableFile, UnreadableHeader) as exc:
        errors = exc.errors if isinstance(exc, UnreadableHeader) else {"file": [str(exc)]}
        raise Problem(422, "Unprocessable Entity", f"The file cannot be imported: {exc}",
                      errors={column: [message] if isinstance(message, str) else message
                              for column, message in errors.items()}) from None


@blp.route("/imports", methods=["POST"])
@requires("write")
@blp.arguments(ImportFile, location="files")
@blp.arguments(ImportOptionsArgs, location="form")
@blp.response(202, ImportJob)
@blp.alt_response(413, description="The file unpacks to more bytes, or has more rows, than an import takes; or a "
                                   "cell of a CSV file is longer than a cell may be (the problem names the limit).")
def start_import(upload: dict[str, Any], args: dict[str, Any]):
    """Import customers from a file in the background; follow it at the import's URL (202 + Location)."""
    storage = upload["file"]
    fmt = _format_of(storage.filename or "")
    store = admit({"store_id": args["store_id"]} if "store_id" in args else {}, creating=True)
    limits = config().imports
    handle, name = tempfile.mkstemp(suffix=f".{fmt}", prefix="customer-import-")
    path = Path(name)
    try:  # until the import's thread has the file, it is removed whatever happens (a refusal, an error)
        with os.fdopen(handle, "wb") as out:
            storage.save(out)
        total, columns = _checked(path, fmt, limits)
        options = imports.ImportOptions(
            mode=args["mode"], key=args["key"], dry_run=args["dry_run"], actor=actor(), fmt=fmt,
            filename=storage.filename, store_id=store.get("store_id"), stores=current_identity().store_scope,
            error_rows=limits.error_rows, rows_name_stores="store_id" in columns)
        job = imports.start_import(sessions(), options, total)
        _run_in_background(job["id"], options, path, limits.max_rows)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job, {"Location": f"{blp.url_prefix}/imports/{job['id']}"}


@blp.route("/vehicles/imports", methods=["POST"])
@requires("write")
@blp.arguments(ImportFile, location="files")
@blp.arguments(VehicleImportOptionsArgs, location="form")
@blp.response(202, ImportJob)
@blp.alt_response(413, description="The file is larger than an import takes (as for a customer import).")
def start_vehicle_import(upload: dict[str, Any], args: dict[str, Any]):
    """Import vehicles of customers already in the archive (plate, VIN, model, delivery date, odometer; each row
    names its customer by phone, or external id) in the background, with the same per-line errors and dry run as
    a customer import; follow it at the import's URL (202 + Location). Each vehicle registered emits
    asset.registered.v1."""
    storage = upload["file"]
    fmt = _format_of(storage.filename or "")
    limits = config().imports
    handle, name = tempfile.mkstemp(suffix=f".{fmt}", prefix="vehicle-import-")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            storage.save(out)
        total, _ = _checked(path, fmt, limits, lambda header: vehicle_transfer.read_header(header, args["key"]))
        options = imports.ImportOptions(
            mode=vehicle_imports.MODE, key=args["key"], dry_run=args["dry_run"], actor=actor(), fmt=fmt,
            filename=storage.filename, stores=current_identity().store_scope, error_rows=limits.error_rows)
        job = imports.start_import(sessions(), options, total)
        _run_in_background(job["id"], options, path, limits.max_rows,
                           # (mypy cannot count the arguments *given passes on)
                           lambda *given: vehicle_imports.run_vehicle_import(*given, check_vehicle_row))  # type: ignore[call-arg]
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job, {"Location": f"{blp.url_prefix}/imports/{job['id']}"}


def _with_staleness(job: dict[str, Any]) -> dict[str, Any]:
    if job["status"] == "running" and (datetime.now(UTC) - job["updated_at"]).total_seconds() > STALE_AFTER_SECONDS:
        return {**job, "status": "failed", "problem": "The import stopped (its process ended); import the file "
                                                      "again: rows already imported are found by their key."}
    return job


def _import_in_reach(import_id: str) -> dict[str, Any]:
    """The import, if the caller reaches every store of the caller who started it (404 otherwise, as for an
    unknown id: another store's filename and customer ids are not theirs to see)."""
    job = imports.get_import(sessions(), import_id)
    scope = current_identity().store_scope
    if scope is not None and (job["stores"] is None or not set(job["stores"]) <= scope):
        raise Problem(404, "Not Found", f"No import with id {import_id}.")
    return job


@blp.route("/imports/<uuid:import_id>", methods=["GET"])
@requires("read")
@blp.response(200, ImportJob)
def get_import(import_id: UUID):
    """An import's progress and counts (imports started for other stores are not found)."""
    return _with_staleness(_import_in_reach(str(import_id)))


@blp.route("/imports/<uuid:import_id>/errors", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, ImportErrorPage)
def import_errors(args: dict[str, Any], import_id: UUID):
    """Every error of an import, by line and column, in file order."""
    _import_in_reach(str(import_id))
    items, total = imports.import_errors(sessions(), str(import_id), (args["page"] - 1) * args["page_size"],
                                         args["page_size"])
    return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"],
            **imports.error_counts(sessions(), str(import_id))}


@blp.route("/export", methods=["GET"])
@requires("read")
@blp.arguments(ExportArgs, location="query", unknown=RAISE)
@blp.response(200, description="The matching customers, best first, as a CSV or XLSX file (streamed).")
def export(args: dict[str, Any]):
    """Every customer a search finds, as a file: the columns an import reads back."""
    fmt = args.pop("format")
    filters = build_filters(stores=current_identity().store_scope, **args)
    chunks = exports.export_chunks(sessions(), filters, fmt)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    media = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(stream_with_context(chunks), mimetype=media, headers={
        "Content-Disposition": f'attachment; filename="customers-{stamp}.{fmt}"'})



@blp.route("/vehicles/export", methods=["GET"])
@requires("read")
@blp.arguments(ExportArgs, location="query", unknown=RAISE)
@blp.response(200, description="The vehicles of the matching customers as a CSV or XLSX file (streamed).")
def export_vehicles(args: dict[str, Any]):
    """The vehicles of every customer a search finds (the same filters as the listing), as a file: the columns a
    vehicles import reads back, with each vehicle's customer."""
    fmt = args.pop("format")
    filters = build_filters(stores=current_identity().store_scope, **args)
    chunks = exports.vehicle_export_chunks(sessions(), filters, fmt)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    media = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(stream_with_context(chunks), mimetype=media, headers={
        "Content-Disposition": f'attachment; filename="vehicles-{stamp}.{fmt}"'})
