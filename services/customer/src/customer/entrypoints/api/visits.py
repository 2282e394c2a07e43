"""Visits of a customer: store visits, deliveries, services, callbacks, sales calls, events."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import requires

from customer.entrypoints.api.context import actor, sessions
from customer.entrypoints.api.membership import points_policy
from customer.entrypoints.api.schemas import PageArgs, VisitArgs, VisitPage
from customer.events import VisitData
from customer.service_layer import queries, visits

blp = Blueprint("visits", __name__, url_prefix="/api/v1/customers",
                description="Every touch with a customer, recorded as a visit.")


@blp.route("/<uuid:customer_id>/visits", methods=["POST"])
@requires("write")
@blp.arguments(VisitArgs)
@blp.response(201, VisitData)
def record(values: dict[str, Any], customer_id: UUID):
    """Record a visit; a delivery turns a prospect into an owner; a visit's amount earns points."""
    if values.get("asset_id") is not None:
        values["asset_id"] = str(values["asset_id"])
    return visits.record_visit(sessions(), str(customer_id), values, actor(), points_policy())


@blp.route("/<uuid:customer_id>/visits", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, VisitPage)
def listing(args: dict[str, Any], customer_id: UUID):
    """The customer's visits, newest first."""
    return queries.visits_of(sessions(), str(customer_id), args["page"], args["page_size"])
