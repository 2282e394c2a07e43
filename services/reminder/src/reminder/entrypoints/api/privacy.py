"""GET /api/v1/reminders/privacy/customers/<id>/personal-data: this service's section of a personal-data export.

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

from reminder.adapters.tables import (
    appointments,
    assets,
    complaints,
    customers,
    notifications,
    opt_outs,
    readings,
    reminders,
    visits,
)
from reminder.entrypoints.api.context import scope, sessions
from reminder.service_layer import personal_data

blp = Blueprint("reminder_privacy", __name__, url_prefix="/api/v1/reminders/privacy",
                description="Personal-data rights (PIPL / GDPR): what the reminder service holds on a person.")

_COPY = "This service's copy, kept from the {} service's events."
ReminderCustomerCopy = row_schema(customers, "ReminderCustomerCopy", _COPY.format("customer"))
ReminderAssetCopy = row_schema(assets, "ReminderAssetCopy", _COPY.format("customer") + " The label names the plate.")
ReminderReadingCopy = row_schema(readings, "ReminderReadingCopy", "An odometer reading (source: a visit id, or "
                                 "how it was taken).")
ReminderVisitCopy = row_schema(visits, "ReminderVisitCopy", _COPY.format("customer"))
ReminderComplaintCopy = row_schema(complaints, "ReminderComplaintCopy", _COPY.format("complaint"))
HeldReminder = row_schema(reminders, "ReminderHeldReminder", "A reminder or task, as kept.")
HeldNotification = row_schema(notifications, "ReminderHeldNotification",
                              "A notification: its channel, where it went (target) and what it said (body).")
HeldAppointment = row_schema(appointments, "ReminderHeldAppointment", "An appointment (预约).")
HeldOptOut = row_schema(opt_outs, "ReminderHeldOptOut", "A channel on which the customer wants no messages.")


class ReminderPersonalData(Schema):
    """Everything the reminder service holds on one person."""

    service = fields.String(required=True, validate=validate.OneOf(["reminder"]))
    exported_at = Instant(required=True)
    customer_id = fields.String(required=True)
    customer = fields.Nested(ReminderCustomerCopy, allow_none=True, required=True, metadata={
        "description": "This service's copy of the customer; null when it never heard of them."})
    merged_records = fields.List(fields.Nested(ReminderCustomerCopy), required=True)
    assets = fields.List(fields.Nested(ReminderAssetCopy), required=True)
    readings = fields.List(fields.Nested(ReminderReadingCopy), required=True)
    visits = fields.List(fields.Nested(ReminderVisitCopy), required=True)
    complaints = fields.List(fields.Nested(ReminderComplaintCopy), required=True)
    reminders = fields.List(fields.Nested(HeldReminder), required=True, metadata={
        "description": "Reminders and tasks, by due time."})
    notifications = fields.List(fields.Nested(HeldNotification), required=True)
    appointments = fields.List(fields.Nested(HeldAppointment), required=True)
    opt_outs = fields.List(fields.Nested(HeldOptOut), required=True)


@blp.route("/customers/<uuid:customer_id>/personal-data", methods=["GET"])
@requires("manage")
@blp.arguments(PersonalDataArgs, location="query", unknown=RAISE)
@blp.response(200, ReminderPersonalData)
def personal_data_of(args: dict[str, Any], customer_id: UUID):
    """Everything this service holds on the customer: reminders and tasks, notifications with their text and
    channel, appointments, opt-outs, and its copies of the customer, vehicles, readings, visits and complaints
    (PIPL art. 45). Part of the export the gateway gathers at GET /api/v1/customers/{customer_id}/personal-data."""
    return personal_data.personal_data(sessions(), str(customer_id), [str(other) for other in args["merged"]],
                                       scope())
