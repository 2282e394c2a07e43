"""The JSON body of each report, as reporting.service_layer.reports builds it: what the OpenAPI document says
each report sends (the views send the built data as it is; these schemas only describe it)."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields

from reporting.domain import contributions as contrib


def _rate(**kwargs) -> fields.Float:
    return fields.Float(required=True, allow_none=True, metadata={"description": "0-1, 4 places; null: nothing "
                                                                                 "to divide.", **kwargs})


def _count() -> fields.Integer:
    return fields.Integer(required=True)


def _money() -> fields.String:
    return fields.String(required=True, metadata={"description": "CNY, two decimals.", "example": "680.00"})


def _list(schema) -> fields.List:
    return fields.List(fields.Nested(schema), required=True)


class Freshness(Schema):
    """How fresh the read model is."""

    last_event_time = fields.String(required=True, allow_none=True,
                                    metadata={"description": "Time of the last event applied."})
    last_applied_at = fields.String(required=True, allow_none=True)
    events_applied = _count()


class Envelope(Schema):
    """What every report starts with: its name, period, store and freshness."""

    report = fields.String(required=True)
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)
    store = fields.String(required=True, allow_none=True, metadata={"description": "The one store summed, if one."})
    stores = fields.List(fields.String(), required=True, allow_none=True,
                         metadata={"description": "The stores summed; null: the whole group."})
    freshness = fields.Nested(Freshness, required=True)


class DimensionItem(Schema):
    """One value of a dimension and how many have it."""

    value = fields.String(required=True, allow_none=True)
    count = _count()


class ProspectDimensionItem(DimensionItem):
    converted = _count()
    conversion_rate = _rate()


def _dimensions(name: str, names: tuple[str, ...], item) -> type[Schema]:
    return Schema.from_dict({dimension: _list(item) for dimension in names}, name=name)


ProspectDimensions = _dimensions("ProspectDimensions", contrib.PROSPECT_DIMENSIONS, ProspectDimensionItem)
OwnerDimensions = _dimensions("OwnerDimensions", contrib.OWNER_DIMENSIONS, DimensionItem)
ComplaintDimensions = _dimensions("ComplaintDimensions", contrib.COMPLAINT_DIMENSIONS, DimensionItem)


class ProspectTotals(Schema):
    prospects = _count()
    converted = _count()
    conversion_rate = _rate()


class ProspectMonth(Schema):
    month = fields.String(required=True)
    prospects = _count()
    converted = _count()
    conversion_rate = _rate()


class ProspectsParts(Schema):
    totals = fields.Nested(ProspectTotals, required=True)
    by_dimension = fields.Nested(ProspectDimensions, required=True)
    by_month = _list(ProspectMonth)


class ProspectsReport(Envelope, ProspectsParts):
    """Prospects (A卡) who first visited in the period."""


class OwnerTotals(Schema):
    owners = _count()
    lost = _count()
    retention_rate = _rate()
    repeat_buyers = _count()
    repeat_rate = _rate()


class OwnerMonth(Schema):
    month = fields.String(required=True)
    flow_in = fields.Integer(data_key="in", required=True)
    out = _count()


class OwnersParts(Schema):
    totals = fields.Nested(OwnerTotals, required=True)
    by_dimension = fields.Nested(OwnerDimensions, required=True)
    by_month = _list(OwnerMonth)


class OwnersReport(Envelope, OwnersParts):
    """Owners (C卡) at the end of the period."""


class FlowTotals(Schema):
    customers = _count()
    new = _count()
    lost = _count()


class FlowMonth(Schema):
    month = fields.String(required=True)
    new = _count()
    new_prospects = _count()
    new_owners = _count()
    lost = _count()
    net = _count()


class RegionCount(Schema):
    region = fields.String(required=True, allow_none=True)
    prospects = _count()
    owners = _count()
    total = _count()


class FlowParts(Schema):
    totals = fields.Nested(FlowTotals, required=True)
    by_month = _list(FlowMonth)
    distribution = _list(RegionCount)


class CustomerFlowReport(Envelope, FlowParts):
    """Customers gained and lost per month, and where they are."""


class ChurnTotals(Schema):
    customers = _count()
    lost = _count()
    churn_rate = _rate()


class ChurnKind(ChurnTotals):
    kind = fields.String(required=True)


class LostMonth(Schema):
    month = fields.String(required=True)
    lost = _count()


class Reason(Schema):
    reason = fields.String(required=True, allow_none=True)
    count = _count()


class ChurnParts(Schema):
    as_of = fields.Date(required=True)
    lost_after_days = _count()
    totals = fields.Nested(ChurnTotals, required=True)
    by_kind = _list(ChurnKind)
    trend = _list(LostMonth)
    winback_reasons = _list(Reason)


class ChurnReport(Envelope, ChurnParts):
    """Customers with no visit in 6 months as of `to`."""


class Scores(Schema):
    recency_days = fields.List(fields.List(fields.Integer(allow_none=True)), required=True, metadata={
        "description": "[score, from days, to days (null: no end)] per recency band."})
    frequency = fields.String(required=True)
    monetary = fields.String(required=True)


class Segment(Schema):
    segment = fields.String(required=True)
    label = fields.String(required=True)
    customers = _count()
    share = _rate()
    spend = _money()


class SegmentCustomer(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, allow_none=True)
    store_id = fields.String(required=True, allow_none=True)
    last_visit_day = fields.Date(required=True, allow_none=True)
    visits = _count()
    spend = _money()


class SegmentPage(Schema):
    """A page of one segment's customers, most recent visit first."""

    segment = fields.String(required=True)
    page = fields.Integer(required=True, allow_none=True, metadata={"description": "null when read `after`."})
    page_size = _count()
    total = _count()
    next = fields.String(required=True, allow_none=True, metadata={"description": "The `after` of the next page."})
    customers = _list(SegmentCustomer)


class ValueReport(Envelope):
    """RFM value segments as of `to` (with `segment`, its customers as `members`)."""

    as_of = fields.Date(required=True)
    scores = fields.Nested(Scores, required=True)
    totals = fields.Nested(Schema.from_dict({"customers": _count()}, name="ValueTotals"), required=True)
    segments = _list(Segment)
    members = fields.Nested(SegmentPage)


class ComplaintTotals(Schema):
    complaints = _count()
    resolved = _count()
    reopened = _count()
    reopen_rate = _rate()
    remedy_cost = _money()


class SlaTarget(Schema):
    target = fields.String(required=True)
    met = _count()
    breached = _count()
    open = _count()
    attainment = _rate()


class ResolveHours(Schema):
    resolved = _count()
    median = fields.Integer(required=True, allow_none=True)
    p90 = fields.Integer(required=True, allow_none=True)


class AfterCallback(Schema):
    rated = _count()
    satisfied = _count()
    satisfaction_rate = _rate()
    mean_score = fields.Float(required=True, allow_none=True)
    by_level = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class ComplaintMonth(Schema):
    """A month's complaints, and as many more members as categories (category: count)."""

    class Meta:
        unknown = INCLUDE

    month = fields.String(required=True)
    complaints = _count()


class ComplaintParts(Schema):
    totals = fields.Nested(ComplaintTotals, required=True)
    by_dimension = fields.Nested(ComplaintDimensions, required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    sla = _list(SlaTarget)
    time_to_resolve_working_hours = fields.Nested(ResolveHours, required=True)
    satisfaction_after_callback = fields.Nested(AfterCallback, required=True)
    by_month = _list(ComplaintMonth)


class ComplaintsReport(Envelope, ComplaintParts):
    """The complaint analysis."""


class SatisfactionBucket(Schema):
    callbacks = _count()
    satisfied = _count()
    satisfaction_rate = _rate()
    mean_score = fields.Float(required=True, allow_none=True)


class SatisfactionWeek(SatisfactionBucket):
    week = fields.String(required=True)


class SatisfactionMonth(SatisfactionBucket):
    month = fields.String(required=True)


class Satisfaction(Schema):
    weekly = _list(SatisfactionWeek)
    monthly = _list(SatisfactionMonth)


class FirstMaintenance(Schema):
    delivered_due = _count()
    serviced = _count()
    rate = _rate()
    target = fields.Float(required=True)
    deliveries_until = fields.Date(required=True)


class AllAppointments(Schema):
    booked = _count()
    kept = _count()
    no_show = _count()
    cancelled = _count()


class Appointments(Schema):
    reminders_sent = _count()
    booked = fields.Integer(required=True, metadata={
        "description": "appointments booked from a reminder and not cancelled, counted on the reminder's due day "
                       "(as the reminder service's KPIs count appointments_booked)"})
    booking_rate = _rate()
    kept = _count()
    no_show = _count()
    show_up_rate = _rate()
    target_booking_rate = fields.Float(required=True)
    all_booked = fields.Nested(AllAppointments, required=True, metadata={
        "description": "every appointment (from a reminder or not) by the day it was booked"})


class RuleConversion(Schema):
    rule = fields.String(required=True)
    due = _count()
    completed = _count()
    converted = _count()
    conversion_rate = _rate()


class CallbackParts(Schema):
    satisfaction = fields.Nested(Satisfaction, required=True)
    first_maintenance = fields.Nested(FirstMaintenance, required=True)
    appointments = fields.Nested(Appointments, required=True)
    reminders = _list(RuleConversion)


class CallbacksReport(Envelope, CallbackParts):
    """Callback satisfaction, first maintenance, appointments and reminders."""


class StaffCard(Schema):
    staff = fields.String(required=True)
    prospects = _count()
    converted = _count()
    conversion_rate = _rate()
    visits = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "Visits by kind."})
    revenue = _money()
    complaints = _count()
    survey = fields.Dict(keys=fields.String(), values=fields.Float(), required=True,
                         metadata={"description": "Mean score per survey item."})


class StaffReport(Envelope):
    """Per consultant and per technician."""

    survey_scale = fields.String(required=True)
    consultants = _list(StaffCard)
    technicians = _list(StaffCard)


class MonthlySummary(Schema):
    new_prospects = _count()
    prospect_conversion_rate = _rate()
    owners = _count()
    new_customers = _count()
    lost_customers = _count()
    churn_rate = _rate()
    complaints = _count()
    complaint_reopen_rate = _rate()
    complaint_satisfaction_rate = _rate()
    first_maintenance_rate = _rate()
    appointment_booking_rate = _rate()
    appointment_show_up_rate = _rate()


class MonthlyReport(Envelope):
    """The main reports for one period on one page, each without its envelope."""

    summary = fields.Nested(MonthlySummary, required=True)
    prospects = fields.Nested(ProspectsParts, required=True)
    owners = fields.Nested(OwnersParts, required=True)
    customer_flow = fields.Nested(FlowParts, required=True)
    churn = fields.Nested(ChurnParts, required=True)
    complaints = fields.Nested(ComplaintParts, required=True)
    callbacks = fields.Nested(CallbackParts, required=True)


#: Each report's body, by the report's name in its path.
BODIES: dict[str, type[Schema]] = {
    "prospects": ProspectsReport, "owners": OwnersReport, "customer-flow": CustomerFlowReport,
    "churn": ChurnReport, "value": ValueReport, "complaints": ComplaintsReport, "callbacks": CallbacksReport,
    "staff": StaffReport, "monthly": MonthlyReport,
}
