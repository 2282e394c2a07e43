"""GET /api/v1/reports/privacy/customers/<id>/personal-data: this service's section of a personal-data export.

The export a user asks for is GET /api/v1/customers/<id>/personal-data at the gateway, which gathers this
section with every other service's; this endpoint is what it calls (with the caller's own service token).
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from servicekit.auth import current_identity, requires
from servicekit.fields import Instant
from servicekit.held import PersonalDataArgs, row_schema
from servicekit.webapp import service_context

from reporting.service_layer import personal_data

blp = Blueprint("reporting_privacy", __name__, url_prefix="/api/v1/reports/privacy",
                description="Personal-data rights (PIPL / GDPR): what the reporting read model keeps on a person.")

TABLES = personal_data.EXPORTED_TABLES
_ROW = "The read model's row of {}, with the customer it counts for now (merged_from: where a merge took it from)."
ReportingCustomerRow = row_schema(TABLES["customer"], "ReportingCustomerRow", "The read model's row of a customer: "
                                  "the name and phone a customer list shows, and the figures reports count them by.")
ReportingVehicleRow = row_schema(TABLES["vehicle"], "ReportingVehicleRow", _ROW.format("a vehicle"))
ReportingVisitRow = row_schema(TABLES["visit"], "ReportingVisitRow", _ROW.format("a visit"))
ReportingComplaintRow = row_schema(TABLES["complaint"], "ReportingComplaintRow", _ROW.format("a complaint"))
ReportingReminderRow = row_schema(TABLES["reminder"], "ReportingReminderRow", _ROW.format("a reminder"))
ReportingAppointmentRow = row_schema(TABLES["appointment"], "ReportingAppointmentRow",
                                     _ROW.format("an appointment"))
ReportingMergeRow = row_schema(TABLES["merge"], "ReportingMergeRow",
                               "A merge standing: merged_id lives on in survivor_id.")


class ReportingPersonalData(Schema):
    """Everything the reporting read model keeps on one person (its tallies are counts about no one)."""

    service = fields.String(required=True, validate=validate.OneOf(["reporting"]))
    exported_at = Instant(required=True)
    customer_id = fields.String(required=True)
    customer = fields.Nested(ReportingCustomerRow, allow_none=True, required=True, metadata={
        "description": "The read model's row of the customer; null when it never heard of them."})
    merged_records = fields.List(fields.Nested(ReportingCustomerRow), required=True)
    merges = fields.List(fields.Nested(ReportingMergeRow), required=True)
    vehicles = fields.List(fields.Nested(ReportingVehicleRow), required=True)
    visits = fields.List(fields.Nested(ReportingVisitRow), required=True)
    complaints = fields.List(fields.Nested(ReportingComplaintRow), required=True)
    reminders = fields.List(fields.Nested(ReportingReminderRow), required=True)
    appointments = fields.List(fields.Nested(ReportingAppointmentRow), required=True)


@blp.route("/customers/<uuid:customer_id>/personal-data", methods=["GET"])
@requires("manage")
@blp.arguments(PersonalDataArgs, location="query", unknown=RAISE)
@blp.response(200, ReportingPersonalData)
def personal_data_of(args: dict[str, Any], customer_id: UUID):
    """Everything the reporting read model keeps on the customer: their row (name, phone and the figures they are
    counted by) and the rows of their vehicles, visits, complaints, reminders and appointments (PIPL art. 45).
    Part of the export the gateway gathers at GET /api/v1/customers/{customer_id}/personal-data."""
    return personal_data.personal_data(service_context(current_app).sessions, str(customer_id),
                                       [str(other) for other in args["merged"]], current_identity().store_scope)
