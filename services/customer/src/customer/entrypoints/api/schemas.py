"""What the HTTP API accepts and returns (responses reuse the event schemas: one public shape)."""
from __future__ import annotations

from datetime import UTC, date

from marshmallow import Schema, ValidationError, fields, validate
from servicekit.fields import Instant
from servicekit.pagination import MAX_PAGE

from customer.domain import lifecycle, visits
from customer.domain.assets import ASSET_KINDS
from customer.domain.points import TIERS
from customer.domain.search import COUNT_LIMIT
from customer.events import GENDERS, AssetData, CustomerData, QuietHoursData, RegionData, VisitData

MAX_PAGE_SIZE = 200
_NOT_BLANK = validate.Regexp(r"\S", error="Must not be blank.")


def _text(length: int, **kwargs) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=length), **kwargs)


def _not_in_future(day: date) -> None:
    if day > date.today():
        raise ValidationError("Must not be in the future.")


class ConsentArgs(Schema):
    """Consent flags to set; a flag left out keeps its value."""

    sms = fields.Boolean()
    phone = fields.Boolean()
    email = fields.Boolean()


class CustomerArgs(Schema):
    """A new customer."""

    name = fields.String(required=True, validate=[validate.Length(max=200), _NOT_BLANK])
    phone = fields.String(required=True, validate=validate.Length(max=40))
    kind = fields.String(required=True, validate=validate.OneOf(lifecycle.KINDS))
    stage = fields.String(validate=validate.OneOf(lifecycle.STAGES))
    phones = fields.List(fields.String(validate=validate.Length(max=40)), allow_none=True,
                         validate=validate.Length(max=10))
    gender = fields.String(allow_none=True, validate=validate.OneOf(GENDERS))
    birthday = fields.Date(allow_none=True, validate=_not_in_future)
    email = fields.Email(allow_none=True, validate=validate.Length(max=320))
    address = _text(500)
    region = fields.Nested(RegionData, allow_none=True)
    industry = _text(100)
    employer = _text(200)
    job_title = _text(100)
    source = _text(200, metadata={"description": "Reason for the first visit (来店原因)."})
    owner = _text(100, metadata={"description": "Username of the assigned consultant."})
    deputy_owner = _text(100)
    tags = fields.List(fields.String(validate=[validate.Length(min=1, max=50), _NOT_BLANK]), allow_none=True,
                       validate=validate.Length(max=50))
    notes = _text(5000)
    intent_grade = fields.String(allow_none=True, validate=validate.OneOf(lifecycle.INTENT_GRADES),
                                 metadata={"description": "Prospects only: H, A, B or C."})
    wanted_model = _text(200)
    consent = fields.Nested(ConsentArgs, allow_none=True)
    quiet_hours = fields.Nested(QuietHoursData, allow_none=True)
    external_id = _text(100)
    store_id = fields.String(allow_none=True, validate=validate.Length(max=40),
                             metadata={"description": "The store (门店); default the caller's one store."})
    # manager-only (key customer and risk lists, [002][004])
    key_customer = fields.Boolean(metadata={"description": "Managers only."})
    blacklisted = fields.Boolean(metadata={"description": "Managers only; needs blacklist_reason."})
    blacklist_reason = _text(500, metadata={"description": "Managers only."})
    credit_limit = fields.Decimal(allow_none=True, places=2, as_string=True,
                                  validate=validate.Range(min=0, max=1_000_000_000),
                                  metadata={"description": "CNY; managers only.", "minimum": 0,
                                            "maximum": 1_000_000_000})


class CustomerPatchArgs(CustomerArgs):
    """Fields to change; `version` (or the If-Match header) says which version the edit was made on."""

    version = fields.Integer(validate=validate.Range(min=1))


class PageArgs(Schema):
    """Which page of a listing."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class SearchArgs(PageArgs):
    """Customer search filters (all must match)."""

    name = fields.String(validate=validate.Length(max=200), metadata={"description": "Part of the name."})
    phone = fields.String(validate=validate.Length(max=40),
                          metadata={"description": "A whole number or its last 4+ digits."})
    plate = fields.String(validate=validate.Length(max=20))
    vin = fields.String(validate=validate.Length(max=40))
    owner = fields.String(validate=validate.Length(max=100))
    tag = fields.String(validate=validate.Length(max=50))
    kind = fields.String(validate=validate.OneOf(lifecycle.KINDS))
    stage = fields.String(validate=validate.OneOf(lifecycle.STAGES))
    created_from = fields.Date()
    created_to = fields.Date()
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "Matches any of: name, phone suffix, plate, VIN."})
    store_id = fields.String(validate=validate.Length(max=40))
    tier = fields.String(validate=validate.OneOf(TIERS))
    intent_grade = fields.String(validate=validate.OneOf(lifecycle.INTENT_GRADES))
    key_customer = fields.Boolean()
    blacklisted = fields.Boolean()


class AssetArgs(Schema):
    """A new asset; which fields apply depends on `kind`."""

    kind = fields.String(required=True, validate=validate.OneOf(ASSET_KINDS))
    model = _text(200)
    plate = fields.String(allow_none=True, validate=[validate.Length(max=20), _NOT_BLANK])
    vin = fields.String(allow_none=True, validate=validate.Length(max=40))
    delivered_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    description = _text(500)
    odometer_km = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=5_000_000))


class VisitArgs(Schema):
    """A visit; the details after `notes` apply to some kinds only."""

    kind = fields.String(required=True, validate=validate.OneOf(visits.VISIT_KINDS))
    occurred_at = fields.AwareDateTime(default_timezone=UTC, allow_none=True,
                                       metadata={"description": "Default now; without an offset, UTC."})
    asset_id = fields.UUID(allow_none=True)
    staff = _text(100)
    notes = _text(5000)
    odometer_km = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=5_000_000))
    amount = fields.Decimal(allow_none=True, places=2, validate=validate.Range(min=0, max=100_000_000),
                            # numbers in the OpenAPI document (apispec would write the Decimal bounds as strings)
                            metadata={"description": "CNY.", "minimum": 0, "maximum": 100_000_000})
    service_type = _text(100)
    channel = fields.String(allow_none=True, validate=validate.OneOf(visits.CALLBACK_CHANNELS))
    satisfaction = fields.String(allow_none=True, validate=validate.OneOf(visits.SATISFACTION))
    scores = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=50)),
                         values=fields.Integer(validate=validate.Range(min=0, max=100)), allow_none=True)
    purpose = _text(200)
    outcome = _text(500)


class PageOf(Schema):
    """The envelope of every listing."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)


class CustomerPage(PageOf):
    """A page of customers; a search counts its matches up to a limit, past which `total` is a lower bound."""

    items = fields.List(fields.Nested(CustomerData), required=True)
    total_is_lower_bound = fields.Boolean(
        required=True, metadata={"description": f"True when counting stopped at {COUNT_LIMIT}: at least `total` "
                                                f"customers match (show \"{COUNT_LIMIT:,}+\")."})


class AssetPage(PageOf):
    """A page of assets."""

    items = fields.List(fields.Nested(AssetData), required=True)


class VisitPage(PageOf):
    """A page of visits."""

    items = fields.List(fields.Nested(VisitData), required=True)


class HistoryEntry(Schema):
    """One change: who did what when, and each field's old and new value."""

    at = Instant(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)), required=True)


class HistoryPage(PageOf):
    """A page of history entries."""

    items = fields.List(fields.Nested(HistoryEntry), required=True)


class OdometerReading(Schema):
    """A mileage read on a day (by a service visit, or when the vehicle was registered)."""

    km = fields.Integer(required=True)
    read_on = fields.Date(required=True)
    visit_id = fields.String(allow_none=True)
    recorded_at = Instant(required=True)


class OdometerPage(PageOf):
    """A page of odometer readings."""

    items = fields.List(fields.Nested(OdometerReading), required=True)
