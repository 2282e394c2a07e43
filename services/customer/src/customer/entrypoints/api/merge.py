"""Merging duplicate customers: preview, merge, look up, undo."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from servicekit.auth import requires
from servicekit.webapp import service_context

from customer.domain.merge import BOTH, CHOOSABLE, MERGED, SURVIVOR
from customer.entrypoints.api.context import actor, sessions
from customer.events import CustomerData
from customer.service_layer import merge

blp = Blueprint("merges", __name__, url_prefix="/api/v1/customers/merges",
                description="Merging two records of the same customer, previewed first and undoable for a while.")

#: How long a merge can be undone unless CRM_CUSTOMER_MERGE_UNDO_HOURS says otherwise.
DEFAULT_UNDO_HOURS = 168.0


class MergeArgs(Schema):
    """Which record survives, which is merged into it, and which side's value wins field by field."""

    survivor_id = fields.UUID(required=True)
    merged_id = fields.UUID(required=True)
    choices = fields.Dict(keys=fields.String(validate=validate.OneOf(CHOOSABLE)),
                          values=fields.String(validate=validate.OneOf((SURVIVOR, MERGED, BOTH))),
                          load_default=dict,
                          metadata={"description": "field -> survivor | merged (| both, for notes and "
                                                   "blacklist_reason). Unchosen: the survivor's value unless "
                                                   "empty; phones and tags always keep both."})
    survivor_version = fields.Integer(validate=validate.Range(min=1),
                                      metadata={"description": "The version previewed: 409 if it moved on."})
    merged_version = fields.Integer(validate=validate.Range(min=1))


class FieldConflict(Schema):
    """A field where the two records differ, and which value the survivor keeps."""

    survivor = fields.Raw(allow_none=True)
    merged = fields.Raw(allow_none=True)
    kept = fields.String(required=True, validate=validate.OneOf((SURVIVOR, MERGED, BOTH)))


class MergeResult(Schema):
    """What a merge did, or (dry run) would do."""

    merge_id = fields.String(allow_none=True, required=True, metadata={"description": "null in a preview."})
    dry_run = fields.Boolean(required=True)
    survivor = fields.Nested(CustomerData, required=True)
    merged_id = fields.String(required=True)
    conflicts = fields.Dict(keys=fields.String(), values=fields.Nested(FieldConflict), required=True)
    moved = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                        metadata={"description": "Rows (assets, visits, history, points, consent) moved."})
    undo_until = fields.DateTime(allow_none=True, required=True)


class Merge(Schema):
    """A merge as kept: who merged what into what, when, and until when it can be undone."""

    id = fields.String(required=True)
    survivor_id = fields.String(required=True)
    merged_id = fields.String(required=True)
    actor = fields.String(required=True)
    merged_at = fields.DateTime(required=True)
    undo_until = fields.DateTime(required=True)
    choices = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    moved = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    undone_at = fields.DateTime(allow_none=True)
    undone_by = fields.String(allow_none=True)


def undo_window() -> timedelta:
    """How long after a merge it can be undone (CRM_CUSTOMER_MERGE_UNDO_HOURS)."""
    hours = service_context(current_app).settings.extra.get("CRM_CUSTOMER_MERGE_UNDO_HOURS")
    return timedelta(hours=float(hours) if hours else DEFAULT_UNDO_HOURS)


def _merge(values: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    return merge.merge_customers(sessions(), str(values["survivor_id"]), str(values["merged_id"]),
                                 values["choices"], actor(), undo_window(), dry_run=dry_run,
                                 versions=(values.get("survivor_version"), values.get("merged_version")))


@blp.route("/preview", methods=["POST"])
@requires("read")
@blp.arguments(MergeArgs)
@blp.response(200, MergeResult)
def preview(values: dict[str, Any]):
    """Show what the survivor would look like, the conflicting fields and what would move; writes nothing."""
    return _merge(values, dry_run=True)


@blp.route("", methods=["POST"])
@requires("manage")
@blp.arguments(MergeArgs)
@blp.response(201, MergeResult)
def create(values: dict[str, Any]):
    """Merge one customer into another: everything it owned moves; it stays as a tombstone; undoable."""
    return _merge(values, dry_run=False)


@blp.route("/<uuid:merge_id>", methods=["GET"])
@requires("read")
@blp.response(200, Merge)
def get(merge_id: UUID):
    """One merge."""
    return merge.get_merge(sessions(), str(merge_id))


@blp.route("/<uuid:merge_id>/undo", methods=["POST"])
@requires("manage")
@blp.response(200, Merge)
def undo(merge_id: UUID):
    """Undo a merge within its window: both records back as they were, each with what it owned."""
    return merge.undo_merge(sessions(), str(merge_id), actor())
