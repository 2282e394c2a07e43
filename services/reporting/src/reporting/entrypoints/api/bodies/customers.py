"""The bodies of the customer reports: prospects, owners, customer flow, churn, value (RFM)."""
from __future__ import annotations

from marshmallow import Schema, fields

from reporting.entrypoints.api.bodies.common import (
    Envelope,
    OwnerDimensions,
    ProspectDimensions,
    count,
    list_of,
    money,
    rate,
)


class ProspectTotals(Schema):
    prospects = count()
    converted = count()
    conversion_rate = rate()


class ProspectMonth(Schema):
    month = fields.String(required=True)
    prospects = count()
    converted = count()
    conversion_rate = rate()


class ProspectsParts(Schema):
    totals = fields.Nested(ProspectTotals, required=True)
    by_dimension = fields.Nested(ProspectDimensions, required=True)
    by_month = list_of(ProspectMonth)


class ProspectsReport(Envelope, ProspectsParts):
    """Prospects (A卡) who first visited in the period."""


class OwnerTotals(Schema):
    owners = count()
    lost = count()
    retention_rate = rate()
    repeat_buyers = count()
    repeat_rate = rate()


class OwnerMonth(Schema):
    month = fields.String(required=True)
    flow_in = fields.Integer(data_key="in", required=True)
    out = count()


class OwnersParts(Schema):
    totals = fields.Nested(OwnerTotals, required=True)
    by_dimension = fields.Nested(OwnerDimensions, required=True)
    by_month = list_of(OwnerMonth)


class OwnersReport(Envelope, OwnersParts):
    """Owners (C卡) at the end of the period."""


class FlowTotals(Schema):
    customers = count()
    new = count()
    lost = count()


class FlowMonth(Schema):
    month = fields.String(required=True)
    new = count()
    new_prospects = count()
    new_owners = count()
    lost = count()
    net = count()


class RegionCount(Schema):
    region = fields.String(required=True, allow_none=True)
    prospects = count()
    owners = count()
    total = count()


class FlowParts(Schema):
    totals = fields.Nested(FlowTotals, required=True)
    by_month = list_of(FlowMonth)
    distribution = list_of(RegionCount)


class CustomerFlowReport(Envelope, FlowParts):
    """Customers gained and lost per month, and where they are."""


class ChurnTotals(Schema):
    customers = count()
    lost = count()
    churn_rate = rate()


class ChurnKind(ChurnTotals):
    kind = fields.String(required=True)


class LostMonth(Schema):
    month = fields.String(required=True)
    lost = count()


class Reason(Schema):
    reason = fields.String(required=True, allow_none=True)
    count = count()


class ChurnParts(Schema):
    as_of = fields.Date(required=True)
    lost_after_days = count()
    totals = fields.Nested(ChurnTotals, required=True)
    by_kind = list_of(ChurnKind)
    trend = list_of(LostMonth)
    winback_reasons = list_of(Reason)


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
    customers = count()
    share = rate()
    spend = money()


class SegmentCustomer(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, allow_none=True)
    store_id = fields.String(required=True, allow_none=True)
    last_visit_day = fields.Date(required=True, allow_none=True)
    visits = count()
    spend = money()


class SegmentPage(Schema):
    """A page of one segment's customers, most recent visit first."""

    segment = fields.String(required=True)
    page = fields.Integer(required=True, allow_none=True, metadata={"description": "null when read `after`."})
    page_size = count()
    total = count()
    next = fields.String(required=True, allow_none=True, metadata={"description": "The `after` of the next page."})
    customers = list_of(SegmentCustomer)


class ValueReport(Envelope):
    """RFM value segments as of `to` (with `segment`, its customers as `members`)."""

    as_of = fields.Date(required=True)
    scores = fields.Nested(Scores, required=True)
    totals = fields.Nested(Schema.from_dict({"customers": count()}, name="ValueTotals"), required=True)
    segments = list_of(Segment)
    members = fields.Nested(SegmentPage)
