"""Merging duplicate customers: preview, merge, look up, undo."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from servicekit.auth import current_identity, requires
from servicekit.fields import Instant
from servicekit.view_context import actor, sessions

from customer.domain.duplicates import WEIGHTS
from customer.domain.merge import BOTH, CHOOSABLE, MERGED, SURVIVOR
from customer.entrypoints.api.context import config
from customer.entrypoints.api.schemas import PageArgs, PageOf
from customer.entrypoints.api.scope import check_in_reach
from customer.events import CustomerData
from customer.service_layer import duplicates, merge

blp = Blueprint("merges", __name__, url_prefix="/api/v1/customers/merges",
                description="Merging two records of the same customer, previewed first and undoable for a while.")
duplicates_blp = Blueprint("duplicates", __name__, url_prefix="/api/v1/customers",
                           description="Records that are likely the same person, with a score and the evidence.")

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
    undo_until = Instant(allow_none=True, required=True)


class Merge(Schema):
    """A merge as kept: who merged what into what, when, and until when it can be undone."""

    id = fields.String(required=True)
    survivor_id = fields.String(required=True)
    merged_id = fields.String(required=True)
    actor = fields.String(required=True)
    merged_at = Instant(required=True)
    undo_until = Instant(required=True)
    choices = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    moved = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    undone_at = Instant(allow_none=True)
    undone_by = fields.String(allow_none=True)


def _in_reach(*customer_ids: str) -> None:
    """404 (as for an unknown id) when a caller tied to stores names a customer of another store."""
    identity = current_identity()
    if identity.store_scope is not None:
        check_in_reach(identity, list(customer_ids))


def _merge(values: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    _in_reach(str(values["survivor_id"]), str(values["merged_id"]))
    return merge.merge_customers(sessions(), str(values["survivor_id"]), str(values["merged_id"]),
                                 values["choices"], actor(), config().merge_undo, config().points, dry_run=dry_run,
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
    found = merge.get_merge(sessions(), str(merge_id))
    _in_reach(found["survivor_id"], found["merged_id"])
    return found


@blp.route("/<uuid:merge_id>/undo", methods=["POST"])
@requires("manage")
@blp.response(200, Merge)
def undo(merge_id: UUID):
    """Undo a merge within its window: both records back as they were, each with what it owned."""
    found = merge.get_merge(sessions(), str(merge_id))
    _in_reach(found["survivor_id"], found["merged_id"])
    return merge.undo_merge(sessions(), str(merge_id), actor(), config().points)


_REASONS = validate.OneOf(tuple(WEIGHTS))


class DuplicateArgs(Schema):
    """How likely a pair must be to be listed."""

    min_score = fields.Float(load_default=0.5, validate=validate.Range(min=0, max=1),
                             metadata={"description": "0..1; evidence combines as 1 - Π(1 - weight)."})


class DuplicatePageArgs(PageArgs, DuplicateArgs):
    """Which page of likely duplicate pairs."""


class Duplicate(Schema):
    """A customer likely to be the same person, how likely, and why."""

    customer = fields.Nested(CustomerData, required=True)
    score = fields.Float(required=True)
    reasons = fields.List(fields.String(validate=_REASONS), required=True,
                          metadata={"description": f"Evidence and its weight: {WEIGHTS}."})


class Duplicates(Schema):
    """A customer's likely duplicates, most likely first."""

    items = fields.List(fields.Nested(Duplicate), required=True)


class DuplicatePair(Schema):
    """Two customers likely to be one person."""

    customers = fields.List(fields.Nested(CustomerData), required=True, validate=validate.Length(equal=2))
    score = fields.Float(required=True)
    reasons = fields.List(fields.String(validate=_REASONS), required=True)


class DuplicatePairPage(PageOf):
    """A page of likely duplicate pairs, most likely first."""

    items = fields.List(fields.Nested(DuplicatePair), required=True)


@duplicates_blp.route("/duplicates", methods=["GET"])
@requires("read")
@duplicates_blp.arguments(DuplicatePageArgs, location="query", unknown=RAISE)
@duplicates_blp.response(200, DuplicatePairPage)
def likely_pairs(args: dict[str, Any]):
    """Pairs of customers across the archive that are likely one person (same email, plate, name or pinyin)."""
    return duplicates.likely_duplicates(sessions(), args["min_score"], args["page"], args["page_size"],
                                        current_identity().store_scope)


@duplicates_blp.route("/<uuid:customer_id>/duplicates", methods=["GET"])
@requires("read")
@duplicates_blp.arguments(DuplicateArgs, location="query", unknown=RAISE)
@duplicates_blp.response(200, Duplicates)
def of_customer(args: dict[str, Any], customer_id: UUID):
    """The customers likely to be the same person as this one, most likely first."""
    return {"items": duplicates.duplicates_of(sessions(), str(customer_id), args["min_score"],
                                              current_identity().store_scope)}
