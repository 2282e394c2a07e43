"""The bodies of the after-sales reports: complaints, callbacks, staff."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields

from reporting.entrypoints.api.bodies.common import ComplaintDimensions, Envelope, count, list_of, money, rate


class ComplaintTotals(Schema):
    complaints = count()
    resolved = count()
    reopened = count()
    reopen_rate = rate()
    remedy_cost = money()


class SlaTarget(Schema):
    target = fields.String(required=True)
    met = count()
    breached = count()
    open = count()
    attainment = rate()


class ResolveHours(Schema):
    resolved = count()
    median = fields.Integer(required=True, allow_none=True)
    p90 = fields.Integer(required=True, allow_none=True)


class AfterCallback(Schema):
    rated = count()
    satisfied = count()
    satisfaction_rate = rate()
    mean_score = fields.Float(required=True, allow_none=True)
    by_level = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class ComplaintMonth(Schema):
    """A month's complaints, and as many more members as categories (category: count)."""

    class Meta:
        unknown = INCLUDE

    month = fields.String(required=True)
    complaints = count()


class ComplaintParts(Schema):
    totals = fields.Nested(ComplaintTotals, required=True)
    by_dimension = fields.Nested(ComplaintDimensions, required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    sla = list_of(SlaTarget)
    time_to_resolve_working_hours = fields.Nested(ResolveHours, required=True)
    satisfaction_after_callback = fields.Nested(AfterCallback, required=True)
    by_month = list_of(ComplaintMonth)


class ComplaintsReport(Envelope, ComplaintParts):
    """The complaint analysis."""


class SatisfactionBucket(Schema):
    callbacks = count()
    satisfied = count()
    satisfaction_rate = rate()
    mean_score = fields.Float(required=True, allow_none=True)


class SatisfactionWeek(SatisfactionBucket):
    week = fields.String(required=True)


class SatisfactionMonth(SatisfactionBucket):
    month = fields.String(required=True)


class Satisfaction(Schema):
    weekly = list_of(SatisfactionWeek)
    monthly = list_of(SatisfactionMonth)


class FirstMaintenance(Schema):
    delivered_due = count()
    serviced = count()
    rate = rate()
    target = fields.Float(required=True)
    deliveries_until = fields.Date(required=True)


class AllAppointments(Schema):
    booked = count()
    kept = count()
    no_show = count()
    cancelled = count()


class Appointments(Schema):
    reminders_sent = count()
    booked = fields.Integer(required=True, metadata={
        "description": "appointments booked from a reminder and not cancelled, counted on the reminder's due day "
                       "(as the reminder service's KPIs count appointments_booked)"})
    booking_rate = rate()
    kept = count()
    no_show = count()
    show_up_rate = rate()
    target_booking_rate = fields.Float(required=True)
    all_booked = fields.Nested(AllAppointments, required=True, metadata={
        "description": "every appointment (from a reminder or not) by the day it was booked"})


class RuleConversion(Schema):
    rule = fields.String(required=True)
    due = count()
    completed = count()
    converted = count()
    conversion_rate = rate()


class CallbackParts(Schema):
    satisfaction = fields.Nested(Satisfaction, required=True)
    first_maintenance = fields.Nested(FirstMaintenance, required=True)
    appointments = fields.Nested(Appointments, required=True)
    reminders = list_of(RuleConversion)


class CallbacksReport(Envelope, CallbackParts):
    """Callback satisfaction, first maintenance, appointments and reminders."""


class StaffCard(Schema):
    staff = fields.String(required=True)
    prospects = count()
    converted = count()
    conversion_rate = rate()
    visits = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "Visits by kind."})
    revenue = money()
    complaints = count()
    survey = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                         metadata={"description": "Mean score per survey item."})


class StaffReport(Envelope):
    """Per consultant and per technician."""

    survey_scale = fields.String(required=True)
    consultants = list_of(StaffCard)
    technicians = list_of(StaffCard)
