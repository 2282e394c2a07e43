"""What the visit endpoints accept and return."""
from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from servicekit.fields import Coded, Instant

from customer.domain import visits
from customer.entrypoints.api.schemas import REASON, GatheringSchema, PageArgs, PageOf, errors_of, text_field
from customer.events import VisitData

#: What a service visit's type may be given as: its code, or its label (保养 for maintenance …).
SERVICE_TYPE_WORDS = [*visits.SERVICE_TYPES, *visits.SERVICE_TYPE_LABELS.values()]


class VisitArgs(GatheringSchema):
    """A visit; the details after `notes` apply to some kinds only."""

    kind = fields.String(required=True, validate=validate.OneOf(visits.VISIT_KINDS))
    occurred_at = Instant(allow_none=True, metadata={"description": "Default now; without an offset, UTC."})
    asset_id = fields.UUID(allow_none=True)
    staff = text_field(100)
    notes = text_field(5000)
    odometer_km = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=5_000_000))
    amount = fields.Decimal(allow_none=True, places=2, validate=validate.Range(min=0, max=100_000_000),
                            # numbers in the OpenAPI document (apispec would write the Decimal bounds as strings)
                            metadata={"description": "CNY.", "minimum": 0, "maximum": 100_000_000})
    service_type = Coded(visits.SERVICE_TYPE_LABELS, allow_none=True, metadata={
        "enum": SERVICE_TYPE_WORDS, "description": "Service visits, required (the code or its label): " + ", ".join(
            f"{code} ({label})" for code, label in visits.SERVICE_TYPE_LABELS.items())
        + ". Only a maintenance counts as one (first maintenance, last service)."})
    channel = fields.String(allow_none=True, validate=validate.OneOf(visits.CALLBACK_CHANNELS), metadata={
        "description": "Callbacks: " + ", ".join(f"{code} ({label})" for code, label
                                                 in visits.CHANNEL_LABELS.items()) + "."})
    satisfaction = fields.String(allow_none=True, validate=validate.OneOf(visits.SATISFACTION))
    scores = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=50)),
                         values=fields.Integer(validate=validate.Range(min=0, max=100)), allow_none=True)
    purpose = text_field(200)
    outcome = text_field(500)
    event_name = text_field(200, metadata={"description": "Event visits: the event (活动) attended."})

    def domain_errors(self, valid: dict[str, Any], partial: bool) -> dict[str, list[str]]:
        """The details the visit's kind needs or does not have."""
        if "kind" not in valid:
            return {}
        return errors_of(visits.check_details, valid["kind"], {name: valid.get(name) for name in visits.ALL_DETAILS})


class VisitListArgs(PageArgs):
    """Which page of visits; voided ones are listed (marked) unless `voided` says otherwise."""

    voided = fields.Boolean(metadata={"description": "true: only voided visits; false: only those that count; "
                                                     "absent: all."})


class VisitCorrectionArgs(GatheringSchema):
    """A correction of a visit: the fields to change (null clears one), why, and the version it was made on
    (If-Match or `version`). A visit's kind and customer are never corrected: void it and record it again."""

    version = fields.Integer(validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=REASON.validate, metadata=REASON.metadata)
    occurred_at = Instant(metadata={"description": "Not before 1990-01-01, not more than a day ahead."})
    asset_id = fields.UUID(allow_none=True)
    staff = text_field(100)
    notes = text_field(5000)
    odometer_km = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=5_000_000))
    amount = fields.Decimal(allow_none=True, places=2, validate=validate.Range(min=0, max=100_000_000),
                            metadata={"description": "CNY; the points it earned follow.", "minimum": 0,
                                      "maximum": 100_000_000})
    service_type = Coded(visits.SERVICE_TYPE_LABELS, allow_none=True, metadata={"enum": SERVICE_TYPE_WORDS})
    channel = fields.String(allow_none=True, validate=validate.OneOf(visits.CALLBACK_CHANNELS))
    satisfaction = fields.String(allow_none=True, validate=validate.OneOf(visits.SATISFACTION))
    scores = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=50)),
                         values=fields.Integer(validate=validate.Range(min=0, max=100)), allow_none=True)
    purpose = text_field(200)
    outcome = text_field(500)
    event_name = text_field(200)


class VisitPage(PageOf):
    """A page of visits."""

    items = fields.List(fields.Nested(VisitData), required=True)
