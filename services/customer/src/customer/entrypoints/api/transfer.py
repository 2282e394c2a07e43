"""Bulk import (CSV, XLSX) with a dry run and progress; export of any search as CSV or XLSX, streamed."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Response, stream_with_context
from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import current_identity, requires
from servicekit.problems import Problem
from servicekit.view_context import actor, sessions

from customer.domain import vehicle_transfer
from customer.domain.search import build_filters
from customer.entrypoints.api.context import config
from customer.entrypoints.api.import_uploads import checked, format_of, run_in_background, saved
from customer.entrypoints.api.row_checks import check_vehicle_row
from customer.entrypoints.api.schemas import PageArgs
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

blp = Blueprint("transfer", __name__, url_prefix="/api/v1/customers",
                description="Customers in bulk: import from CSV or XLSX, export any search.")
#: An import that has not moved for this long was cut off (its process ended) and is reported as failed.
STALE_AFTER_SECONDS = 120


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
    fmt = format_of(storage.filename or "")
    store = admit({"store_id": args["store_id"]} if "store_id" in args else {}, creating=True)
    limits = config().imports
    with saved(storage, fmt, "customer-import-") as path:
        total, columns = checked(path, fmt, limits)
        options = imports.ImportOptions(
            mode=args["mode"], key=args["key"], dry_run=args["dry_run"], actor=actor(), fmt=fmt,
            filename=storage.filename, store_id=store.get("store_id"), stores=current_identity().store_scope,
            error_rows=limits.error_rows, rows_name_stores="store_id" in columns)
        job = imports.start_import(sessions(), options, total)
        run_in_background(job["id"], options, path, limits.max_rows)
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
    fmt = format_of(storage.filename or "")
    limits = config().imports
    with saved(storage, fmt, "vehicle-import-") as path:
        total, _ = checked(path, fmt, limits, lambda header: vehicle_transfer.read_header(header, args["key"]))
        options = imports.ImportOptions(
            mode=vehicle_imports.MODE, key=args["key"], dry_run=args["dry_run"], actor=actor(), fmt=fmt,
            filename=storage.filename, stores=current_identity().store_scope, error_rows=limits.error_rows)
        job = imports.start_import(sessions(), options, total)
        run_in_background(job["id"], options, path, limits.max_rows,
                          # (mypy cannot count the arguments *given passes on)
                          lambda *given: vehicle_imports.run_vehicle_import(*given, check_vehicle_row))  # type: ignore[call-arg]
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


def _download(chunks: Iterator[bytes], fmt: str, name: str) -> Response:
    """The chunks streamed as an attachment `name`-<UTC time>.<fmt>."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    media = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(stream_with_context(chunks), mimetype=media, headers={
        "Content-Disposition": f'attachment; filename="{name}-{stamp}.{fmt}"'})


@blp.route("/export", methods=["GET"])
@requires("read")
@blp.arguments(ExportArgs, location="query", unknown=RAISE)
@blp.response(200, description="The matching customers, best first, as a CSV or XLSX file (streamed).")
def export(args: dict[str, Any]):
    """Every customer a search finds, as a file: the columns an import reads back."""
    fmt = args.pop("format")
    filters = build_filters(stores=current_identity().store_scope, **args)
    return _download(exports.export_chunks(sessions(), filters, fmt), fmt, "customers")


@blp.route("/vehicles/export", methods=["GET"])
@requires("read")
@blp.arguments(ExportArgs, location="query", unknown=RAISE)
@blp.response(200, description="The vehicles of the matching customers as a CSV or XLSX file (streamed).")
def export_vehicles(args: dict[str, Any]):
    """The vehicles of every customer a search finds (the same filters as the listing), as a file: the columns a
    vehicles import reads back, with each vehicle's customer."""
    fmt = args.pop("format")
    filters = build_filters(stores=current_identity().store_scope, **args)
    return _download(exports.vehicle_export_chunks(sessions(), filters, fmt), fmt, "vehicles")
