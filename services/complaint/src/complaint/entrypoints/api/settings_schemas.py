"""What the SLA policy, escalation contact and settings endpoints accept and return."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.fields import Flag, Instant
from servicekit.labels import printable

from complaint.domain.sla import ANY
from complaint.domain.vocabulary import CATEGORIES, LEVELS, SEVERITIES
from complaint.entrypoints.api.schemas import MAX_MINUTES, PageArgs, PageOf, name_field


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


class ContactArgs(Schema):
    """Who is told when a complaint of a store reaches a level."""

    store_id = fields.String(required=True, validate=[validate.Length(min=1, max=100), printable], metadata={
        "description": 'A store id, or "*" for the group-wide default of the level.'})
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    username = name_field(required=True, metadata={"description": "The user told (gets the escalation task)."})


class ContactPatchArgs(Schema):
    """Someone else to tell."""

    username = name_field(required=True)


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
