"""The body of the monthly summary: the main reports, each without its envelope."""
from __future__ import annotations

from marshmallow import Schema, fields

from reporting.entrypoints.api.bodies.common import Envelope, count, rate
from reporting.entrypoints.api.bodies.customers import ChurnParts, FlowParts, OwnersParts, ProspectsParts
from reporting.entrypoints.api.bodies.service import CallbackParts, ComplaintParts


class MonthlySummary(Schema):
    new_prospects = count()
    prospect_conversion_rate = rate()
    owners = count()
    new_customers = count()
    lost_customers = count()
    churn_rate = rate()
    complaints = count()
    complaint_reopen_rate = rate()
    complaint_satisfaction_rate = rate()
    first_maintenance_rate = rate()
    appointment_booking_rate = rate()
    appointment_show_up_rate = rate()


class MonthlyReport(Envelope):
    """The main reports for one period on one page, each without its envelope."""

    summary = fields.Nested(MonthlySummary, required=True)
    prospects = fields.Nested(ProspectsParts, required=True)
    owners = fields.Nested(OwnersParts, required=True)
    customer_flow = fields.Nested(FlowParts, required=True)
    churn = fields.Nested(ChurnParts, required=True)
    complaints = fields.Nested(ComplaintParts, required=True)
    callbacks = fields.Nested(CallbackParts, required=True)
