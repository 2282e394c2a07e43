"""What the steps of a complaint's closed loop accept (assign, resolve, call back, reopen, reject, survey) and
what its callbacks and surveys return."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.fields import Instant

from complaint.domain.vocabulary import CALLBACK_CHANNELS, SATISFACTION, SURVEY_LEVELS
from complaint.entrypoints.api.schemas import name_field, text_field


class AssignArgs(Schema):
    """Who is responsible."""

    department = name_field(required=True)
    assignee = name_field(required=True, metadata={
        "description": "Username of the responsible person: an active user who works in the complaint's store or "
                       "for the whole group (GET /api/v1/users lists them); otherwise 422."})


class ResolveArgs(Schema):
    """The remedy."""

    resolution = text_field(required=True)
    remedy_cost = fields.Decimal(required=True, places=2, validate=validate.Range(min=0, max=100_000_000),
                                 metadata={"description": "CNY.", "minimum": 0, "maximum": 100_000_000})
    responsible_party = name_field(required=True, metadata={"description": "The department or party at fault."})


class CallbackArgs(Schema):
    """A callback (回访) to the customer."""

    channel = fields.String(required=True, validate=validate.OneOf(CALLBACK_CHANNELS))
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    comment = fields.String(allow_none=True, validate=validate.Length(max=5000))


class ReasonArgs(Schema):
    """Why (reopen; pause while waiting on the customer)."""

    reason = text_field(500, required=True)


class RejectArgs(Schema):
    """Why the complaint is not upheld: the findings returned to the customer."""

    findings = text_field(required=True)


def _level() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(SURVEY_LEVELS))


class SurveyArgs(Schema):
    """The survey card [002 L1150]: four items, four levels each, and the staff it rates."""

    attitude = _level()
    skill = _level()
    timeliness = _level()
    promise_kept = _level()
    staff = fields.List(name_field(), required=True, validate=validate.Length(min=1, max=20))
    comment = fields.String(allow_none=True, validate=validate.Length(max=5000))


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
