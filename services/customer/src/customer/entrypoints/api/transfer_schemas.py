"""What the bulk import and export endpoints accept and return."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate
from servicekit.fields import Instant

from customer.domain.import_files import FORMATS
from customer.entrypoints.api.schemas import PageOf, SearchArgs
from customer.service_layer import imports


class ImportFile(Schema):
    """The file to import."""

    file = Upload(required=True, metadata={"description": "CSV (UTF-8 or GB18030) or XLSX; first row: columns."})


class ImportOptionsArgs(Schema):
    """How to import the file."""

    mode = fields.String(load_default="create", validate=validate.OneOf(imports.MODES),
                         metadata={"description": "create: new customers only; update: existing only; upsert: both."})
    key = fields.String(load_default="phone", validate=validate.OneOf(imports.KEYS),
                        metadata={"description": "How a row finds its customer."})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Check every row; write no customer."})
    store_id = fields.String(validate=validate.Length(max=40), metadata={
        "description": "Store of new customers whose row names none (a store_id / 门店 column names each row's: "
                       "it must exist and be one of the caller's, as for the API)."})


class VehicleImportOptionsArgs(Schema):
    """How to import a file of vehicles."""

    key = fields.String(load_default="phone", validate=validate.OneOf(imports.KEYS),
                        metadata={"description": "The column that names each vehicle's customer (already imported)."})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Check every row; register no vehicle."})


class ImportJob(Schema):
    """An import: how far it got and what it did (a dry run: what it would do)."""

    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("running", "done", "failed")))
    mode = fields.String(required=True, metadata={
        "description": "create, update or upsert (customers), or vehicles (a vehicles import)."})
    key = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    format = fields.String(required=True)
    filename = fields.String(allow_none=True)
    actor = fields.String(required=True)
    rows_total = fields.Integer(required=True, metadata={
        "description": "Rows after the header, blank ones too, until the import is done; then the rows read."})
    rows_done = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    failed = fields.Integer(required=True, metadata={
        "description": "Rows with errors, all of them; …/errors lists the errors of the first ones "
                       "(CRM_IMPORT_MAX_ERROR_ROWS, 1,000 by default)."})
    problem = fields.String(allow_none=True)
    created_at = Instant(required=True)
    updated_at = Instant(required=True)
    finished_at = Instant(allow_none=True)


class ImportError_(Schema):
    """What is wrong with one cell (or row) of the file."""

    line = fields.Integer(required=True, metadata={"description": "As a spreadsheet numbers it: the header is 1."})
    column = fields.String(required=True)
    message = fields.String(required=True)


class ImportErrorPage(PageOf):
    """A page of an import's errors, in file order: those of its first rows with errors (as many as
    CRM_IMPORT_MAX_ERROR_ROWS, 1,000 by default); `failed` counts every row with errors."""

    items = fields.List(fields.Nested(ImportError_), required=True)
    failed = fields.Integer(required=True, metadata={"description": "Rows with errors, all of them."})
    complete = fields.Boolean(required=True, metadata={
        "description": "Whether every row with errors has its errors here (false: only the first ones)."})


class ExportArgs(SearchArgs):
    """The search to export (the same filters as the listing) and the file format."""

    class Meta:
        exclude = ("page", "page_size")

    format = fields.String(load_default="csv", validate=validate.OneOf(FORMATS))
