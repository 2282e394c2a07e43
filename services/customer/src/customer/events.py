"""The public contract of the events this service publishes: one marshmallow schema per `data`.

Every event is dumped and checked against its schema before it enters the outbox, and the examples
in docs/events/ are checked against the same schemas (tests/unit/test_event_contract.py).
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from servicekit.contracts import EventContract
from servicekit.fields import Instant

from customer.domain import lifecycle, points, visits
from customer.domain.customers import PURCHASE_TYPES

CUSTOMER_CREATED = "customer.created.v1"
CUSTOMER_UPDATED = "customer.updated.v1"
ASSET_REGISTERED = "asset.registered.v1"
VISIT_DONE = "visit.done.v1"
CUSTOMER_MERGED = "customer.merged.v1"
CUSTOMER_UNMERGED = "customer.unmerged.v1"
CUSTOMER_TIER_CHANGED = "customer.tier_changed.v1"
CUSTOMER_ERASED = "customer.erased.v1"

ASSET_KINDS = ("vehicle", "property_unit", "service_contract", "other")
GENDERS = ("male", "female", "other")


def _text(length: int, **kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=length), **kwargs)


class RegionData(Schema):
    """省 / 市 / 区."""

    province = _text(50)
    city = _text(50)
    district = _text(50)


class ConsentData(Schema):
    """Whether the customer agreed to be contacted on each channel."""

    sms = fields.Boolean(required=True)
    phone = fields.Boolean(required=True)
    email = fields.Boolean(required=True)


class QuietHoursData(Schema):
    """Local times between which the customer must not be contacted (may wrap past midnight)."""

    start = fields.String(required=True, validate=validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))
    end = fields.String(required=True, validate=validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))


class CustomerData(Schema):
    """A customer as the API returns it and `customer.created.v1` carries it."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    # null only once the customer is erased (their numbers are freed)
    phone = fields.String(required=True, allow_none=True)
    phones = fields.List(fields.String(), required=True)
    kind = fields.String(required=True, validate=validate.OneOf(lifecycle.KINDS))
    stage = fields.String(required=True, validate=validate.OneOf(lifecycle.STAGES))
    gender = fields.String(allow_none=True, validate=validate.OneOf(GENDERS))
    birthday = fields.Date(allow_none=True)
    email = fields.String(allow_none=True)
    address = _text(500)
    region = fields.Nested(RegionData, allow_none=True)
    industry = _text(100)
    employer = _text(200)
    job_title = _text(100)
    source = _text(200)
    owner = _text(100)
    deputy_owner = _text(100)
    tags = fields.List(fields.String(), required=True)
    notes = fields.String(allow_none=True)
    intent_grade = fields.String(allow_none=True, validate=validate.OneOf(lifecycle.INTENT_GRADES))
    wanted_model = _text(200)
    consent = fields.Nested(ConsentData, required=True)
    quiet_hours = fields.Nested(QuietHoursData, allow_none=True)
    external_id = _text(100)
    created_at = Instant(required=True)
    updated_at = Instant(required=True)
    # stores, membership, grading and lists, erasure: optional for readers of older events
    store_id = fields.String(allow_none=True, metadata={"description": "The store (门店) the customer belongs to."})
    tier = fields.String(validate=validate.OneOf(points.TIERS))
    points_balance = fields.Integer(validate=validate.Range(min=0))
    key_customer = fields.Boolean()
    blacklisted = fields.Boolean()
    blacklist_reason = _text(500)
    credit_limit = fields.Decimal(as_string=True, places=2, allow_none=True)
    erased_at = Instant(allow_none=True)
    purchase_type = fields.String(allow_none=True, validate=validate.OneOf(PURCHASE_TYPES), metadata={
        "description": "first (首次购车), additional (增购) or replacement (换购); absent from older events."})


class CustomerUpdatedData(CustomerData):
    """`customer.updated.v1`: id, new version, each changed field with its new value, and the changes."""

    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True),
                                                                    validate=validate.Length(equal=2)),
                          required=True)


class AssetData(Schema):
    """Something the customer owns from us: a vehicle first of all."""

    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ASSET_KINDS))
    model = _text(200)
    plate = _text(20)
    vin = fields.String(allow_none=True, validate=validate.Length(equal=17))
    delivered_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    description = _text(500)
    odometer_km = fields.Integer(allow_none=True)
    created_at = Instant(required=True)


class AssetRegisteredData(Schema):
    """`asset.registered.v1`."""

    customer_id = fields.String(required=True)
    asset = fields.Nested(AssetData, required=True)


class VisitDetailsData(Schema):
    """What a visit of each kind adds (see customer.domain.visits.DETAILS_OF_KIND)."""

    odometer_km = fields.Integer()
    amount = fields.Decimal(as_string=True, places=2)
    service_type = fields.String()
    channel = fields.String(validate=validate.OneOf(visits.CALLBACK_CHANNELS))
    satisfaction = fields.String(validate=validate.OneOf(visits.SATISFACTION))
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    purpose = fields.String()
    outcome = fields.String()


class VisitData(Schema):
    """A visit (来店, 交车, 保养, 回访, 拜访, 活动) as the API returns it."""

    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(visits.VISIT_KINDS))
    occurred_at = Instant(required=True)
    asset_id = fields.String(allow_none=True)
    staff = _text(100)
    notes = fields.String(allow_none=True)
    details = fields.Nested(VisitDetailsData, required=True)
    recorded_by = fields.String(required=True)
    created_at = Instant(required=True)


class VisitDoneData(Schema):
    """`visit.done.v1`."""

    customer_id = fields.String(required=True)
    visit = fields.Nested(VisitData, required=True)


class TierChangedData(Schema):
    """`customer.tier_changed.v1`: the customer's points moved them to another membership tier."""

    customer_id = fields.String(required=True)
    from_tier = fields.String(required=True, validate=validate.OneOf(points.TIERS))
    to_tier = fields.String(required=True, validate=validate.OneOf(points.TIERS))
    points_balance = fields.Integer(required=True, validate=validate.Range(min=0))
    changed_at = Instant(required=True)


class ErasedData(Schema):
    """`customer.erased.v1`: every service removes the customer's personal data from its copy."""

    customer_id = fields.String(required=True)
    erased_at = Instant(required=True)


class MergedData(Schema):
    """`customer.merged.v1`: re-point every row of merged_id to survivor_id, remembering which (undo may follow)."""

    survivor_id = fields.String(required=True)
    merged_id = fields.String(required=True)
    merged_at = Instant(required=True)
    undo_until = Instant(required=True, metadata={"description": "customer.unmerged.v1 may come until then."})
    merge_id = fields.String(metadata={"description": "The merge, as undone by customer.unmerged.v1."})


class UnmergedData(Schema):
    """`customer.unmerged.v1`: a merge undone; move the rows that came from restored_id back to it."""

    survivor_id = fields.String(required=True)
    restored_id = fields.String(required=True)
    unmerged_at = Instant(required=True)
    merge_id = fields.String()


_CUSTOMER_FIELDS = tuple(CustomerData().fields)

#: The schema of each event type's `data`.
SCHEMAS: dict[str, Schema] = {
    CUSTOMER_CREATED: CustomerData(),
    # only id and version are always there: the other customer fields appear when they changed
    CUSTOMER_UPDATED: CustomerUpdatedData(partial=tuple(f for f in _CUSTOMER_FIELDS if f not in ("id", "version"))),
    ASSET_REGISTERED: AssetRegisteredData(),
    VISIT_DONE: VisitDoneData(),
    CUSTOMER_MERGED: MergedData(),
    CUSTOMER_UNMERGED: UnmergedData(),
    CUSTOMER_TIER_CHANGED: TierChangedData(),
    CUSTOMER_ERASED: ErasedData(),
}


CONTRACT = EventContract("customer", SCHEMAS)
validation_errors = CONTRACT.validation_errors
event_data = CONTRACT.event_data
