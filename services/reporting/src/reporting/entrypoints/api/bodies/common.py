"""What the report bodies share: value fields, the envelope, the dimension lists."""
from __future__ import annotations

from marshmallow import Schema, fields

from reporting.domain import contributions as contrib


def rate(**kwargs) -> fields.Float:
    return fields.Float(required=True, allow_none=True, metadata={"description": "0-1, 4 places; null: nothing "
                                                                                 "to divide.", **kwargs})


def count() -> fields.Integer:
    return fields.Integer(required=True)


def money() -> fields.String:
    return fields.String(required=True, metadata={"description": "CNY, two decimals.", "example": "680.00"})


def list_of(schema) -> fields.List:
    return fields.List(fields.Nested(schema), required=True)


class Freshness(Schema):
    """How fresh the read model is."""

    last_event_time = fields.String(required=True, allow_none=True,
                                    metadata={"description": "Time of the last event applied."})
    last_applied_at = fields.String(required=True, allow_none=True)
    events_applied = count()


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
    count = count()


class ProspectDimensionItem(DimensionItem):
    converted = count()
    conversion_rate = rate()


def dimensions(name: str, names: tuple[str, ...], item) -> type[Schema]:
    return Schema.from_dict({dimension: list_of(item) for dimension in names}, name=name)


ProspectDimensions = dimensions("ProspectDimensions", contrib.PROSPECT_DIMENSIONS, ProspectDimensionItem)
OwnerDimensions = dimensions("OwnerDimensions", contrib.OWNER_DIMENSIONS, DimensionItem)
ComplaintDimensions = dimensions("ComplaintDimensions", contrib.COMPLAINT_DIMENSIONS, DimensionItem)
