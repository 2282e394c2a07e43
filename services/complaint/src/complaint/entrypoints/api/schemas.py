"""What the HTTP API accepts and returns (the SLA figures reuse the event schema: one public shape)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.fields import Day, Flag, Instant
from servicekit.labels import Label, printable
from servicekit.pagination import MAX_PAGE

from complaint.domain.sla import ANY
from complaint.domain.vocabulary import (
    CALLBACK_CHANNELS,
    CATEGORIES,
    CHANNELS,
    LEVELS,
    RECTIFICATION_STATUSES,
    SATISFACTION,
    SEVERITIES,
    STATUSES,
    SURVEY_LEVELS,
)
from complaint.events import SlaFigures

MAX_PAGE_SIZE = 200
MAX_MINUTES = 365 * 24 * 60
_NOT_BLANK = validate.Regexp(r"\S", error="Must not be blank.")


def _name(**kwargs) -> fields.String:
    return Label(100, **kwargs)


def _text(length: int = 5000, **kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=length), _NOT_BLANK], **kwargs)


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
    description = _text(required=True)


class CorrectionArgs(Schema):
    """A correction of what the complaint was filed with: the fields to change, why, and the version edited."""

    channel = fields.String(validate=validate.OneOf(CHANNELS))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    subcategory = fields.String(allow_none=True, validate=[validate.Length(max=50), printable])
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    description = _text()
    reason = _text(500, required=True, metadata={"description": "Why it is corrected (kept on the timeline)."})
    version = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "The version the correction was made on (or send If-Match: \"<version>\")."})


class AssignArgs(Schema):
    """Who is responsible."""

    department = _name(required=True)
    assignee = _name(required=True, metadata={
        "description": "Username of the responsible person: an active user who works in the complaint's store or "
                       "for the whole group (GET /api/v1/users lists them); otherwise 422."})


class ResolveArgs(Schema):
    """The remedy."""

    resolution = _text(required=True)
    remedy_cost = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=100_000_000),
                                 metadata={"description": "CNY.", "minimum": 0, "maximum": 100_000_000})
    responsible_party = _name(required=True, metadata={"description": "The department or party at fault."})


class CallbackArgs(Schema):
    """A callback (回访) to the customer."""

    channel = fields.String(required=True, validate=validate.OneOf(CALLBACK_CHANNELS))
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    comment = fields.String(allow_none=True, validate=validate.Length(max=5000))


class ReasonArgs(Schema):
    """Why (reopen; pause while waiting on the customer)."""

    reason = _text(500, required=True)


class RejectArgs(Schema):
    """Why the complaint is not upheld: the findings returned to the customer."""

    findings = _text(required=True)


def _level() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(SURVEY_LEVELS))


class SurveyArgs(Schema):
    """The survey card [002 L1150]: four items, four levels each, and the staff it rates."""

    attitude = _level()
    skill = _level()
    timeliness = _level()
    promise_kept = _level()
    staff = fields.List(_name(), required=True, validate=validate.Length(min=1, max=20))
    comment = fields.String(allow_none=True, validate=validate.Length(max=5000))


class RectificationArgs(Schema):
    """A rectification notice (整改通知单) to a department."""

    department = _name(required=True)
    required_action = _text(required=True)
    due_on = Day(allow_none=True)


class CompletionArgs(Schema):
    """How the rectification was done."""

    outcome = _text(required=True)


class PolicyArgs(Schema):
    """SLA targets in working minutes for a category and severity ("*" for any)."""

    category = fields.String(required=True, validate=validate.OneOf((*CATEGORIES, ANY)))
    severity = fields.String(required=True, validate=validate.OneOf((*SEVERITIES, ANY)))
    acknowledge_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_MINUTES))
    respond_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_MINUTES))
    resolve_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_MINUTES))
    first_callback_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_MINUTES))
    warn_percent = fields.Integer(load_default=20, validate=validate.Range(min=0, max=99),
                                  metadata={"description": "Warn when this share of a target's time is left."})


class PolicyPatchArgs(Schema):
    """Targets to change."""

    acknowledge_minutes = fields.Integer(validate=validate.Range(min=1, max=MAX_MINUTES))
    respond_minutes = fields.Integer(validate=validate.Range(min=1, max=MAX_MINUTES))
    resolve_minutes = fields.Integer(validate=validate.Range(min=1, max=MAX_MINUTES))
    first_callback_minutes = fields.Integer(validate=validate.Range(min=1, max=MAX_MINUTES))
    warn_percent = fields.Integer(validate=validate.Range(min=0, max=99))


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


class CallbackOut(Schema):
    """A recorded callback."""

    round = fields.Integer(required=True)
    number = fields.Integer(required=True)
    channel = fields.String(required=True)
    satisfaction = fields.String(required=True)
    comment = fields.String(allow_none=True)
    recorded_by = fields.String(required=True)
    at = Instant(required=True)


class SurveyOut(Schema):
    """A recorded survey."""

    round = fields.Integer(required=True)
    attitude = fields.String(required=True)
    skill = fields.String(required=True)
    timeliness = fields.String(required=True)
    promise_kept = fields.String(required=True)
    staff = fields.List(fields.String(), required=True)
    comment = fields.String(allow_none=True)
    recorded_by = fields.String(required=True)
    at = Instant(required=True)


class RectificationOut(Schema):
    """A rectification notice and how far it got."""

    id = fields.String(required=True)
    complaint_id = fields.String(required=True)
    department = fields.String(required=True)
    required_action = fields.String(required=True)
    due_on = fields.Date(allow_none=True)
    status = fields.String(required=True)
    issued_by = fields.String(required=True)
    issued_at = Instant(required=True)
    outcome = fields.String(allow_none=True)
    done_by = fields.String(allow_none=True)
    done_at = Instant(allow_none=True)


class PolicyOut(Schema):
    """An SLA policy."""

    id = fields.String(required=True)
    category = fields.String(required=True)
    severity = fields.String(required=True)
    acknowledge_minutes = fields.Integer(required=True)
    respond_minutes = fields.Integer(required=True)
    resolve_minutes = fields.Integer(required=True)
    first_callback_minutes = fields.Integer(required=True)
    warn_percent = fields.Integer(required=True)
    updated_by = fields.String(required=True)
    updated_at = Instant(required=True)


class RectificationSearchArgs(PageArgs):
    """Notice filters (all must match)."""

    department = fields.String(validate=validate.Length(max=100), metadata={"description": "The department told."})
    status = fields.String(validate=validate.OneOf(RECTIFICATION_STATUSES))
    store_id = fields.String(validate=validate.Length(max=100), metadata={"description": "The complaint's store."})


class RectificationListed(RectificationOut):
    """A notice in a listing, with its complaint's store."""

    store_id = fields.String(allow_none=True)


class RectificationPage(PageOf):
    """A page of rectification notices."""

    items = fields.List(fields.Nested(RectificationListed), required=True)


class ContactArgs(Schema):
    """Who is told when a complaint of a store reaches a level."""

    store_id = fields.String(required=True, validate=[validate.Length(min=1, max=100), printable], metadata={
        "description": 'A store id, or "*" for the group-wide default of the level.'})
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    username = _name(required=True, metadata={"description": "The user told (gets the escalation task)."})


class ContactPatchArgs(Schema):
    """Someone else to tell."""

    username = _name(required=True)


class ContactSearchArgs(PageArgs):
    """Contact filters."""

    store_id = fields.String(validate=validate.Length(max=100))
    level = fields.String(validate=validate.OneOf(LEVELS))


class ContactOut(Schema):
    """An escalation contact."""

    id = fields.String(required=True)
    store_id = fields.String(required=True)
    level = fields.String(required=True)
    username = fields.String(required=True)
    updated_by = fields.String(required=True)
    updated_at = Instant(required=True)


class ContactPage(PageOf):
    """A page of escalation contacts."""

    items = fields.List(fields.Nested(ContactOut), required=True)


class SettingsArgs(Schema):
    """Group-wide settings to change."""

    survey_required_before_close = Flag(metadata={
        "description": "Closing a complaint needs the satisfaction survey of its resolution (default true)."})


class SettingsOut(Schema):
    """The group-wide settings of the complaint workflow."""

    survey_required_before_close = fields.Boolean(required=True)
    updated_by = fields.String(allow_none=True)
    updated_at = Instant(allow_none=True)
