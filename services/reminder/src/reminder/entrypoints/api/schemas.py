"""What the API takes and gives (marshmallow schemas, also the OpenAPI document): the parts every listing
shares; the rest by subject in task_schemas, message_schemas, rule_schemas and appointment_schemas."""
from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate
from servicekit.fields import EARLIEST, LATEST, Instant
from servicekit.pagination import MAX_PAGE
from servicekit.timestamps import as_utc

MAX_PAGE_SIZE = 200
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class Moment(Instant):
    """An ISO 8601 time between 1900 and 2199; without an offset it is read as UTC. Loaded in UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        # a far time is left as given for the range check to refuse: moving it to UTC could overflow
        return as_utc(moment).astimezone(UTC) if EARLIEST <= moment.date() <= LATEST else moment


class PageArgs(Schema):
    """Which page of a listing."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class PageOf(Schema):
    """The envelope of every listing."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)


class VehicleOut(Schema):
    """The vehicle (or other asset) a reminder or appointment is about."""

    id = fields.String(required=True)
    plate = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    label = fields.String(allow_none=True, metadata={"description": "The plate, model or description."})
