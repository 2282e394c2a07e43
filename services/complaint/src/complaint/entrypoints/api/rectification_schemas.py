"""What the rectification notice (整改通知单) endpoints accept and return."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.fields import Day, Instant

from complaint.domain.vocabulary import RECTIFICATION_STATUSES
from complaint.entrypoints.api.schemas import PageArgs, PageOf, name_field, text_field


class RectificationArgs(Schema):
    """A rectification notice (整改通知单) to a department."""

    department = name_field(required=True)
    required_action = text_field(required=True)
    due_on = Day(allow_none=True)


class CompletionArgs(Schema):
    """How the rectification was done."""

    outcome = text_field(required=True)


class RectificationSearchArgs(PageArgs):
    """Notice filters (all must match)."""

    department = fields.String(validate=validate.Length(max=100), metadata={"description": "The department told."})
    status = fields.String(validate=validate.OneOf(RECTIFICATION_STATUSES))
    store_id = fields.String(validate=validate.Length(max=100), metadata={"description": "The complaint's store."})


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


class RectificationListed(RectificationOut):
    """A notice in a listing, with its complaint's store."""

    store_id = fields.String(allow_none=True)


class RectificationPage(PageOf):
    """A page of rectification notices."""

    items = fields.List(fields.Nested(RectificationListed), required=True)
