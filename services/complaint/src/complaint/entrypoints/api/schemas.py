"""What the HTTP API accepts and returns (the SLA figures reuse the event schema: one public shape)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.fields import Day, Instant
from servicekit.labels import Label, printable
from servicekit.pagination import MAX_PAGE

from complaint.domain.vocabulary import (
    CATEGORIES,
    CHANNELS,
    LEVELS,
    SEVERITIES,
    STATUSES,
)
from complaint.events import SlaFigures

MAX_PAGE_SIZE = 200
MAX_MINUTES = 365 * 24 * 60
NOT_BLANK = validate.Regexp(r"\S", error="Must not be blank.")


def name_field(**kwargs) -> fields.String:
    return Label(100, **kwargs)


def text_field(length: int = 5000, **kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=length), NOT_BLANK], **kwargs)


class SlaTargetStanding(SlaFigures):
    """One SLA target as it stands when read."""

    warned = fields.Boolean(required=True, metadata={
        "description": "Its warning line (the policy's warn_percent of the time before it is due) is passed."})
    working_minutes_left = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Working minutes until it is due, on the business calendar with holidays and pauses left "
                       "out; negative once overdue; null when its clock is not running (not started, met, paused)."})


class SlaStanding(Schema):
    """Every SLA target of the complaint, as it stands when read."""

    acknowledge = fields.Nested(SlaTargetStanding, required=True)
    respond = fields.Nested(SlaTargetStanding, required=True)
    resolve = fields.Nested(SlaTargetStanding, required=True)
    first_callback = fields.Nested(SlaTargetStanding, required=True)


class ComplaintArgs(Schema):
    """A new complaint."""

    customer_id = fields.UUID(required=True, metadata={"description": "A customer the service knows."})
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    subcategory = fields.String(allow_none=True, validate=[validate.Length(max=50), printable],
                                metadata={"description": "e.g. repair_quality, parts, attitude, billing, waiting_time"})
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    description = text_field(required=True)


class CorrectionArgs(Schema):
    """A correction of what the complaint was filed with: the fields to change, why, and the version edited."""

    channel = fields.String(validate=validate.OneOf(CHANNELS))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    subcategory = fields.String(allow_none=True, validate=[validate.Length(max=50), printable])
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    description = text_field()
    reason = text_field(500, required=True, metadata={"description": "Why it is corrected (kept on the timeline)."})
    version = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "The version the correction was made on (or send If-Match: \"<version>\")."})


class PageArgs(Schema):
    """Which page of a listing."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class SearchArgs(PageArgs):
    """Complaint filters (all must match)."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    department = fields.String(validate=validate.Length(max=100))
    assignee = fields.String(validate=validate.Length(max=100))
    customer_id = fields.UUID()
    store_id = fields.String(validate=validate.Length(max=100))
    escalation_level = fields.String(validate=validate.OneOf(LEVELS))
    breached = fields.Boolean(metadata={"description": "Any SLA target missed."})
    filed_from = Day(metadata={"description": "Filed on or after this day (business time zone)."})
    filed_to = Day(metadata={"description": "Filed on or before this day (business time zone)."})


class ComplaintOut(Schema):
    """A complaint, its SLA figures and what may be done next."""

    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    store_id = fields.String(allow_none=True)
    channel = fields.String(required=True)
    category = fields.String(required=True)
    subcategory = fields.String(allow_none=True)
    severity = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True)
    department = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    remedy_cost = fields.Decimal(as_string=True, places=2, allow_none=True)
    responsible_party = fields.String(allow_none=True)
    escalation_level = fields.String(allow_none=True)
    escalated_to = fields.String(allow_none=True, metadata={
        "description": "Username told at the last escalation (escalation contacts); null when nobody is named."})
    customer_name = fields.String(allow_none=True, metadata={
        "description": "The customer's name as this service knows it (null when unknown or erased)."})
    round = fields.Integer(required=True, metadata={"description": "1, plus one per reopening."})
    callbacks_in_round = fields.Integer(required=True)
    callbacks_needed = fields.Integer(required=True, metadata={"description": "Callbacks needed before closing."})
    last_satisfaction = fields.String(allow_none=True)
    waiting_on_customer = fields.Boolean(required=True)
    breached = fields.Boolean(required=True)
    filed_at = Instant(required=True)
    filed_by = fields.String(required=True)
    updated_at = Instant(required=True)
    version = fields.Integer(required=True)
    sla = fields.Nested(SlaStanding, required=True)
    allowed_next = fields.List(fields.String(), required=True)


class PageOf(Schema):
    """The envelope of every listing."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)


class ComplaintPage(PageOf):
    """A page of complaints."""

    items = fields.List(fields.Nested(ComplaintOut), required=True)


class StepOut(Schema):
    """One step of the timeline: who did what when."""

    at = Instant(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    from_status = fields.String(required=True)
    to_status = fields.String(required=True)
    details = fields.Dict(required=True)


class TimelinePage(PageOf):
    """A page of the timeline."""

    items = fields.List(fields.Nested(StepOut), required=True)


