"""GET /api/v1/complaints/privacy/customers/<id>/personal-data: this service's section of a personal-data export.

The export a user asks for is GET /api/v1/customers/<id>/personal-data at the gateway, which gathers this
section with every other service's; this endpoint is what it calls (with the caller's own service token).
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from servicekit.auth import requires
from servicekit.fields import Instant
from servicekit.held import PersonalDataArgs, row_schema
from servicekit.view_context import sessions, stores

from complaint.entrypoints.api.context import config
from complaint.entrypoints.api.schemas import ComplaintOut
from complaint.service_layer import personal_data

blp = Blueprint("complaint_privacy", __name__, url_prefix="/api/v1/complaints/privacy",
                description="Personal-data rights (PIPL / GDPR): what the complaint service holds on a person.")

TABLES = personal_data.EXPORTED_TABLES
ComplaintCustomerCopy = row_schema(TABLES["customer"], "ComplaintCustomerCopy",
                                   "This service's copy of a customer, kept from the customer service's events.")
HeldStep = row_schema(TABLES["step"], "ComplaintHeldStep", "A step of the timeline.", exclude=("complaint_id",))
HeldCallback = row_schema(TABLES["callback"], "ComplaintHeldCallback", "A callback.", exclude=("complaint_id",))
HeldSurvey = row_schema(TABLES["survey"], "ComplaintHeldSurvey", "A satisfaction survey.", exclude=("complaint_id",))
HeldNotice = row_schema(TABLES["rectification"], "ComplaintHeldRectification", "A rectification notice (整改通知单).",
                        exclude=("complaint_id",))
HeldMove = row_schema(TABLES["move"], "ComplaintHeldMove",
                      "A move of the complaint from a merged customer to the survivor.", exclude=("complaint_id",))


class HeldComplaint(ComplaintOut):
    """A complaint with everything kept about it."""

    timeline = fields.List(fields.Nested(HeldStep), required=True)
    callbacks = fields.List(fields.Nested(HeldCallback), required=True)
    surveys = fields.List(fields.Nested(HeldSurvey), required=True)
    rectifications = fields.List(fields.Nested(HeldNotice), required=True)
    moves = fields.List(fields.Nested(HeldMove), required=True)


class ComplaintPersonalData(Schema):
    """Everything the complaint service holds on one person."""

    service = fields.String(required=True, validate=validate.OneOf(["complaint"]))
    exported_at = Instant(required=True)
    customer_id = fields.String(required=True)
    customer = fields.Nested(ComplaintCustomerCopy, allow_none=True, required=True, metadata={
        "description": "This service's copy of the customer; null when it never heard of them."})
    merged_records = fields.List(fields.Nested(ComplaintCustomerCopy), required=True)
    complaints = fields.List(fields.Nested(HeldComplaint), required=True, metadata={
        "description": "The person's complaints, oldest first, also those a merge moved to another record."})


@blp.route("/customers/<uuid:customer_id>/personal-data", methods=["GET"])
@requires("manage")
@blp.arguments(PersonalDataArgs, location="query", unknown=RAISE)
@blp.response(200, ComplaintPersonalData)
def personal_data_of(args: dict[str, Any], customer_id: UUID):
    """Everything this service holds on the customer: complaints with their timeline, callbacks, surveys and
    rectification notices, and its copy of the customer (PIPL art. 45). Part of the export the gateway gathers
    at GET /api/v1/customers/{customer_id}/personal-data."""
    return personal_data.personal_data(sessions(), config(), str(customer_id), [str(other) for other in args["merged"]],
                                       stores())
