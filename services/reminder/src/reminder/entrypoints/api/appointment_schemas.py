"""What the API takes and gives about appointments (预约)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.fields import Instant

from reminder.entrypoints.api.schemas import Moment, PageArgs, PageOf, VehicleOut
from reminder.events import APPOINTMENT_STATUSES, PURPOSES


class AppointmentArgs(Schema):
    """Book an appointment (预约)."""

    customer_id = fields.UUID(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    scheduled_at = Moment(required=True)
    asset_id = fields.UUID(allow_none=True)
    reminder_id = fields.UUID(allow_none=True, metadata={"description": "The task that led to it."})


class CancelArgs(Schema):
    """Why an appointment is called off."""

    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class AppointmentQuery(PageArgs):
    """Filters of the appointment list."""

    customer_id = fields.UUID()
    reminder_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(APPOINTMENT_STATUSES))
    purpose = fields.String(validate=validate.OneOf(PURPOSES))
    booked_by = fields.String(validate=validate.Length(min=1, max=100))
    store_id = fields.String(validate=validate.Length(min=1, max=100),
                             metadata={"description": "Only the appointments of this store's customers."})
    from_ = Moment(data_key="from")
    to = Moment()


class AppointmentOut(Schema):
    """An appointment."""

    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    asset_id = fields.String(allow_none=True)
    reminder_id = fields.String(allow_none=True)
    purpose = fields.String(required=True)
    scheduled_at = Instant(required=True)
    booked_by = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(APPOINTMENT_STATUSES))
    visit_id = fields.String(allow_none=True)
    visited_at = Instant(allow_none=True)
    follow_up_reminder_id = fields.String(allow_none=True)
    created_at = Instant(required=True)
    customer_name = fields.String(allow_none=True)
    customer_phone = fields.String(allow_none=True)
    vehicle = fields.Nested(VehicleOut, allow_none=True)


class AppointmentPage(PageOf):
    """A page of appointments."""

    items = fields.List(fields.Nested(AppointmentOut), required=True)
