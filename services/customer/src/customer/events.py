"""The public contract of the events this service publishes: one marshmallow schema per `data`.

Every event is dumped and checked against its schema before it enters the outbox, and the examples
in docs/events/ are checked against the same schemas (tests/unit/test_event_contract.py).
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from servicekit.contracts import EventContract
from servicekit.fields import Instant

from customer.domain import assets, lifecycle, points, visits
from customer.domain.customers import PURCHASE_TYPES, WECHAT_OPENID_LENGTH

CUSTOMER_CREATED = "customer.created.v1"
CUSTOMER_UPDATED = "customer.updated.v1"
ASSET_REGISTERED = "asset.registered.v1"
VISIT_DONE = "visit.done.v1"
CUSTOMER_MERGED = "customer.merged.v1"
CUSTOMER_UNMERGED = "customer.unmerged.v1"
CUSTOMER_TIER_CHANGED = "customer.tier_changed.v1"
CUSTOMER_ERASED = "customer.erased.v1"
VISIT_CORRECTED = "visit.corrected.v1"
VISIT_VOIDED = "visit.voided.v1"
ASSET_UPDATED = "asset.updated.v1"
ASSET_VOIDED = "asset.voided.v1"
ODOMETER_RECORDED = "odometer.recorded.v1"

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
    # always sent now; optional for readers of older events (absent there: not granted)
    wechat = fields.Boolean(metadata={"description": "WeChat (微信) template messages; absent from older events: "
                                                     "not granted."})


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
    wechat_openid = _text(WECHAT_OPENID_LENGTH, metadata={
        "description": "The customer's openid with the dealership's WeChat official account (公众号), what a "
                       "template message is sent to; absent from older events."})


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
    # corrections: optional for readers of older events
    version = fields.Integer(metadata={"description": "1 when registered; bumped by each correction."})
    status = fields.String(validate=validate.OneOf(assets.ASSET_STATUSES),
                           metadata={"description": "active (在用), sold (已售出), scrapped (报废): only an active "
                                                    "asset gets reminders."})
    updated_at = Instant(allow_none=True)
    voided_at = Instant(allow_none=True, metadata={"description": "Set when it was registered by mistake."})
    voided_by = fields.String(allow_none=True)
    void_reason = fields.String(allow_none=True)


class AssetRegisteredData(Schema):
    """`asset.registered.v1`."""

    customer_id = fields.String(required=True)
    asset = fields.Nested(AssetData, required=True)


class VisitDetailsData(Schema):
    """What a visit of each kind adds (see customer.domain.visits.DETAILS_OF_KIND)."""

    odometer_km = fields.Integer()
    amount = fields.Decimal(as_string=True, places=2)
    service_type = fields.String(validate=validate.OneOf(visits.SERVICE_TYPES), metadata={
        "description": "Service visits: " + ", ".join(f"{code} ({label})" for code, label
                                                      in visits.SERVICE_TYPE_LABELS.items())
                       + "; only maintenance counts as one. An older service visit without it is a maintenance."})
    channel = fields.String(validate=validate.OneOf(visits.CALLBACK_CHANNELS))
    satisfaction = fields.String(validate=validate.OneOf(visits.SATISFACTION))
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    purpose = fields.String()
    outcome = fields.String()
    event_name = fields.String(validate=validate.Length(max=200),
                               metadata={"description": "Event visits: the event (活动) attended."})


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
    # corrections and the callback link: optional for readers of older events
    version = fields.Integer(metadata={"description": "1 when recorded; bumped by each correction."})
    reminder_id = fields.String(allow_none=True, metadata={
        "description": "The reminder task this visit was recorded from (a callback task completed with its outcome)."})
    updated_at = Instant(allow_none=True)
    voided_at = Instant(allow_none=True, metadata={"description": "Set when the visit was voided: it counts nowhere."})
    voided_by = fields.String(allow_none=True)
    void_reason = fields.String(allow_none=True)


class VisitDoneData(Schema):
    """`visit.done.v1`."""

    customer_id = fields.String(required=True)
    visit = fields.Nested(VisitData, required=True)


def _changes(**kwargs: Any) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True),
                                                                validate=validate.Length(equal=2)), **kwargs)


class VisitCorrectedData(Schema):
    """`visit.corrected.v1`: the visit after a correction (version bumped), each changed field and why."""

    customer_id = fields.String(required=True)
    visit = fields.Nested(VisitData, required=True)
    changes = _changes(required=True, metadata={"description": "{field: [old, new]}; details as details.<name>."})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    corrected_by = fields.String(required=True)
    corrected_at = Instant(required=True)


class VisitVoidedData(Schema):
    """`visit.voided.v1`: the visit counts nowhere any more (it stays in the history, marked voided)."""

    customer_id = fields.String(required=True)
    visit_id = fields.String(required=True)
    asset_id = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(visits.VISIT_KINDS))
    occurred_at = Instant(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    voided_by = fields.String(required=True)
    voided_at = Instant(required=True)
    version = fields.Integer(required=True)


class AssetUpdatedData(Schema):
    """`asset.updated.v1`: an asset corrected, sold or scrapped, or handed to another of our customers."""

    customer_id = fields.String(required=True,
                                metadata={"description": "The owner now (the new one after a transfer)."})
    asset = fields.Nested(AssetData, required=True)
    changes = _changes(required=True)
    reason = fields.String(required=True, allow_none=True)
    updated_by = fields.String(required=True)
    updated_at = Instant(required=True)
    previous_customer_id = fields.String(required=True, allow_none=True,
                                         metadata={"description": "The former owner, when it was transferred."})


class AssetVoidedData(Schema):
    """`asset.voided.v1`: registered by mistake; forget it everywhere."""

    customer_id = fields.String(required=True)
    asset_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    voided_by = fields.String(required=True)
    voided_at = Instant(required=True)


class OdometerRecordedData(Schema):
    """`odometer.recorded.v1`: a mileage read on its own (no visit), used as a service visit's odometer_km is."""

    customer_id = fields.String(required=True)
    asset_id = fields.String(required=True)
    odometer_km = fields.Integer(required=True, validate=validate.Range(min=0))
    read_at = Instant(required=True)
    source = fields.String(required=True, validate=validate.OneOf(("reading", "visit")))
    recorded_by = fields.String(required=True)
    correction = fields.Boolean(metadata={"description": "True when it corrects earlier readings found wrong "
                                                         "(those higher than it, before it, are set aside)."})


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
    VISIT_CORRECTED: VisitCorrectedData(),
    VISIT_VOIDED: VisitVoidedData(),
    ASSET_UPDATED: AssetUpdatedData(),
    ASSET_VOIDED: AssetVoidedData(),
    ODOMETER_RECORDED: OdometerRecordedData(),
}


CONTRACT = EventContract("customer", SCHEMAS)
validation_errors = CONTRACT.validation_errors
event_data = CONTRACT.event_data
