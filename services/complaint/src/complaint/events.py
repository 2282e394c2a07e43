"""The public contract of the events this service publishes: one marshmallow schema per `data`.

Subject = the complaint id. Every `complaint.*` event carries what a subscriber needs without calling
back (the common fields of ComplaintEventData); each type adds its own. Every event is dumped and
checked against its schema before it enters the outbox, and the examples in docs/events/ are checked
against the same schemas (tests/unit/test_event_contract.py).
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.contracts import EventContract

from complaint.domain.vocabulary import (
    CALLBACK_CHANNELS,
    CATEGORIES,
    CHANNELS,
    CORRECTABLE,
    LEVELS,
    SATISFACTION,
    SEVERITIES,
    STATUSES,
    SURVEY_LEVELS,
    TARGETS,
)

FILED = "complaint.filed.v1"
ASSIGNED = "complaint.assigned.v1"
ESCALATED = "complaint.escalated.v1"
SLA_WARNED = "complaint.sla_warned.v1"
SLA_BREACHED = "complaint.sla_breached.v1"
RESOLVED = "complaint.resolved.v1"
CALLBACK_RECORDED = "complaint.callback_recorded.v1"
REOPENED = "complaint.reopened.v1"
CLOSED = "complaint.closed.v1"
REJECTED = "complaint.rejected.v1"
SURVEY_RECORDED = "complaint.survey_recorded.v1"
CORRECTED = "complaint.corrected.v1"


class SlaFigures(Schema):
    """One SLA target: when it is due (null before its clock starts or while paused), when it was met."""

    due_at = fields.DateTime(required=True, allow_none=True)
    met_at = fields.DateTime(required=True, allow_none=True)
    breached = fields.Boolean(required=True)


class SlaData(Schema):
    """Every SLA target of the complaint."""

    acknowledge = fields.Nested(SlaFigures, required=True)
    respond = fields.Nested(SlaFigures, required=True)
    resolve = fields.Nested(SlaFigures, required=True)
    first_callback = fields.Nested(SlaFigures, required=True)


class ComplaintEventData(Schema):
    """What every complaint.* event's `data` carries: the complaint as it is after the step."""

    complaint_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    store_id = fields.String(required=True, allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    subcategory = fields.String(required=True, allow_none=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    department = fields.String(required=True, allow_none=True)
    assignee = fields.String(required=True, allow_none=True)
    escalation_level = fields.String(required=True, allow_none=True, validate=validate.OneOf(LEVELS))
    waiting_on_customer = fields.Boolean(required=True)
    filed_at = fields.DateTime(required=True)
    occurred_at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    sla = fields.Nested(SlaData, required=True)


class FiledData(ComplaintEventData):
    """`complaint.filed.v1`: a complaint was filed."""

    description = fields.String(required=True, metadata={"description": "The first 500 characters."})


class AssignedData(ComplaintEventData):
    """`complaint.assigned.v1`: a department and person are responsible (again)."""

    department = fields.String(required=True)
    assignee = fields.String(required=True)


class EscalatedData(ComplaintEventData):
    """`complaint.escalated.v1`: raised to a manager level."""

    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    reason = fields.String(required=True)
    target = fields.String(required=True, allow_none=True, validate=validate.OneOf(TARGETS))
    escalated_to = fields.String(allow_none=True, metadata={
        "description": "Username of the person at that level for the complaint's store (escalation contacts: the "
                       "store's, else the group-wide default); null when none is configured. Absent in events "
                       "published before it existed."})


class SlaWarnedData(ComplaintEventData):
    """`complaint.sla_warned.v1`: a target is close to its deadline."""

    target = fields.String(required=True, validate=validate.OneOf(TARGETS))
    due_at = fields.DateTime(required=True)


class SlaBreachedData(ComplaintEventData):
    """`complaint.sla_breached.v1`: a target's deadline passed unmet."""

    target = fields.String(required=True, validate=validate.OneOf(TARGETS))
    due_at = fields.DateTime(required=True)


class ResolvedData(ComplaintEventData):
    """`complaint.resolved.v1`: the remedy is decided and done."""

    resolution = fields.String(required=True)
    remedy_cost = fields.Decimal(required=True, as_string=True, places=2)
    responsible_party = fields.String(required=True)
    working_minutes_to_resolve = fields.Integer(required=True)


class CallbackRecordedData(ComplaintEventData):
    """`complaint.callback_recorded.v1`: the customer was called back and said how satisfied they are."""

    callback_channel = fields.String(required=True, validate=validate.OneOf(CALLBACK_CHANNELS))
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    callback_number = fields.Integer(required=True, metadata={"description": "1 for the first callback of "
                                                                             "this resolution, 2 for the next…"})


class ReopenedData(ComplaintEventData):
    """`complaint.reopened.v1`: back to assignment (an unsatisfied callback, or by hand)."""

    reason = fields.String(required=True)


class ClosedData(ComplaintEventData):
    """`complaint.closed.v1`: the loop is closed."""

    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))


class RejectedData(ComplaintEventData):
    """`complaint.rejected.v1`: not upheld; the findings go back to the customer."""

    findings = fields.String(required=True)


def _level() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(SURVEY_LEVELS))


class SurveyRecordedData(ComplaintEventData):
    """`complaint.survey_recorded.v1`: the satisfaction survey of a resolved complaint."""

    attitude = _level()
    skill = _level()
    timeliness = _level()
    promise_kept = _level()
    staff = fields.List(fields.String(), required=True, metadata={"description": "Usernames rated."})


class CorrectedData(ComplaintEventData):
    """`complaint.corrected.v1`: what the complaint was filed with was corrected (the common fields show it after
    the correction, its SLA figures re-planned when the category or severity changed)."""

    changes = fields.Dict(keys=fields.String(validate=validate.OneOf(CORRECTABLE)),
                          values=fields.List(fields.Raw(allow_none=True), validate=validate.Length(equal=2)),
                          required=True, metadata={"description": "field: [old, new] for each field corrected (of a "
                                                                 "description, the first 500 characters)."})
    reason = fields.String(required=True, metadata={"description": "Why it was corrected."})
    corrected_by = fields.String(required=True, metadata={"description": "Username of who corrected it."})


#: The schema of each event type's `data`.
SCHEMAS: dict[str, Schema] = {
    FILED: FiledData(),
    ASSIGNED: AssignedData(),
    ESCALATED: EscalatedData(),
    SLA_WARNED: SlaWarnedData(),
    SLA_BREACHED: SlaBreachedData(),
    RESOLVED: ResolvedData(),
    CALLBACK_RECORDED: CallbackRecordedData(),
    REOPENED: ReopenedData(),
    CLOSED: ClosedData(),
    REJECTED: RejectedData(),
    SURVEY_RECORDED: SurveyRecordedData(),
    CORRECTED: CorrectedData(),
}

CONTRACT = EventContract("complaint", SCHEMAS)
validation_errors = CONTRACT.validation_errors
event_data = CONTRACT.event_data
