"""Visits of a customer: store visits, deliveries, services, callbacks, sales calls, events; their corrections."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import requires
from servicekit.versions import edited_version, etag
from servicekit.view_context import actor, sessions

from customer.entrypoints.api.context import config
from customer.entrypoints.api.schemas import VoidArgs
from customer.entrypoints.api.visit_schemas import VisitArgs, VisitCorrectionArgs, VisitListArgs, VisitPage
from customer.events import VisitData
from customer.service_layer import queries, visit_corrections, visits

blp = Blueprint("visits", __name__, url_prefix="/api/v1/customers",
                description="Every touch with a customer, recorded as a visit.")



@blp.route("/<uuid:customer_id>/visits", methods=["POST"])
@requires("write")
@blp.arguments(VisitArgs)
@blp.response(201, VisitData)
def record(values: dict[str, Any], customer_id: UUID):
    """Record a visit; a delivery turns a prospect into an owner; a visit's amount earns points.

    A service visit names its `service_type` (保养 maintenance, 维修 repair, 年检 inspection, 检测 check,
    保修 warranty, 召回 recall, 事故 accident, 其他 other). `occurred_at` is not before 1990-01-01 and not
    more than a day ahead.
    """
    if values.get("asset_id") is not None:
        values["asset_id"] = str(values["asset_id"])
    visit = visits.record_visit(sessions(), str(customer_id), values, actor(), config().points)
    return visit, etag(visit["version"])


@blp.route("/<uuid:customer_id>/visits", methods=["GET"])
@requires("read")
@blp.arguments(VisitListArgs, location="query", unknown=RAISE)
@blp.response(200, VisitPage)
def listing(args: dict[str, Any], customer_id: UUID):
    """The customer's visits, newest first; voided ones are marked (`voided_at`) and may be left out."""
    return queries.visits_of(sessions(), str(customer_id), args["page"], args["page_size"], args.get("voided"))


@blp.route("/<uuid:customer_id>/visits/<uuid:visit_id>", methods=["GET"])
@requires("read")
@blp.response(200, VisitData)
def get(customer_id: UUID, visit_id: UUID):
    """One visit, voided or not, with its version as ETag."""
    visit = visits.get_visit(sessions(), str(customer_id), str(visit_id))
    return visit, etag(visit["version"])


@blp.route("/<uuid:customer_id>/visits/<uuid:visit_id>", methods=["PATCH"])
@requires("write")
@blp.arguments(VisitCorrectionArgs)
@blp.response(200, VisitData)
def correct(values: dict[str, Any], customer_id: UUID, visit_id: UUID):
    """Correct a visit edited at a given version (If-Match or `version`), saying why (`reason`).

    Its time, vehicle, staff, notes and details may change (its kind and customer never: void it and record
    it again); its odometer reading and the points its amount earned follow. Kept in the customer's history;
    `visit.corrected.v1`. A voided visit is not corrected (409).
    """
    version = edited_version(values)
    reason = values.pop("reason")
    if values.get("asset_id") is not None:
        values["asset_id"] = str(values["asset_id"])
    visit = visit_corrections.correct_visit(sessions(), str(customer_id), str(visit_id), values, version, reason,
                                            actor(), config().points)
    return visit, etag(visit["version"])


@blp.route("/<uuid:customer_id>/visits/<uuid:visit_id>/void", methods=["POST"])
@requires("write")
@blp.arguments(VoidArgs)
@blp.response(200, VisitData)
def void(values: dict[str, Any], customer_id: UUID, visit_id: UUID):
    """Void a visit recorded by mistake (If-Match or `version`, and `reason`).

    It stays in the history and the list, marked voided, and counts nowhere any more: its odometer reading
    is set aside, the points it earned are taken back, and a delivery that made a prospect an owner makes
    them a prospect again (unless they moved on since). `visit.voided.v1`.
    """
    version = edited_version(values)
    visit = visit_corrections.void_visit(sessions(), str(customer_id), str(visit_id), version, values["reason"],
                                         actor(), config().points)
    return visit, etag(visit["version"])
