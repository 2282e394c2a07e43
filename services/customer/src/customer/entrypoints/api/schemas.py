"""What the HTTP API accepts and returns (responses reuse the event schemas: one public shape)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from servicekit.fields import Day, Instant
from servicekit.pagination import MAX_PAGE

from customer.domain import lifecycle
from customer.domain.customers import (
    PURCHASE_TYPES,
    WECHAT_OPENID_LENGTH,
    errors_judged_alone,
    is_wechat_openid,
)
from customer.domain.errors import InvalidFields
from customer.domain.points import TIERS
from customer.domain.search import COUNT_LIMIT
from customer.events import GENDERS, CustomerData, QuietHoursData, RegionData

MAX_PAGE_SIZE = 200
NOT_BLANK = validate.Regexp(r"\S", error="Must not be blank.")


def text_field(length: int, **kwargs) -> fields.String:
    """A text of at most `length` characters that may be null."""
    return fields.String(allow_none=True, validate=validate.Length(max=length), **kwargs)


def errors_of(check: Callable[..., Any], *args: Any) -> dict[str, list[str]]:
    """The {field: messages} the domain's `check` refuses `args` with (none when it passes)."""
    try:
        check(*args)
    except InvalidFields as exc:
        return exc.errors
    return {}


def _not_in_future(day: date) -> None:
    if day > date.today():
        raise ValidationError("Must not be in the future.")


def _wechat_openid(value: str) -> None:
    if not is_wechat_openid(value):
        raise ValidationError("Must be the openid as WeChat gives it: letters, digits and punctuation, no spaces.")


class GatheringSchema(Schema):
    """A schema that, when it refuses some fields, also names those of the fields it accepted that the
    domain's rules (which run after it) would refuse: one 422 lists every bad field, not the schema's first."""

    def domain_errors(self, valid: dict[str, Any], partial: bool) -> dict[str, list[str]]:
        """The domain's errors in the fields that loaded (`partial`: an edit); none unless a schema says."""
        return {}

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        """Add the domain's errors (in fields the schema did not already refuse) to the schema's."""
        if many or not isinstance(error.messages, dict) or not isinstance(error.valid_data, dict):
            return
        partial = kwargs.get("partial")
        partial = self.partial if partial is None else partial
        found = {field: messages for field, messages in self.domain_errors(error.valid_data, bool(partial)).items()
                 if field.split(".")[0] not in error.messages}
        if found:
            raise ValidationError({**error.messages, **found}, data=data, valid_data=error.valid_data)


class ConsentArgs(Schema):
    """Consent flags to set; a flag left out keeps its value."""

    sms = fields.Boolean()
    phone = fields.Boolean()
    email = fields.Boolean()
    wechat = fields.Boolean(metadata={"description": "WeChat (微信) template messages."})


class CustomerArgs(GatheringSchema):
    """A new customer."""

    name = fields.String(required=True, validate=[validate.Length(max=200), NOT_BLANK])
    phone = fields.String(required=True, validate=validate.Length(max=40))
    kind = fields.String(required=True, validate=validate.OneOf(lifecycle.KINDS))
    stage = fields.String(validate=validate.OneOf(lifecycle.STAGES))
    phones = fields.List(fields.String(validate=validate.Length(max=40)), allow_none=True,
                         validate=validate.Length(max=10))
    gender = fields.String(allow_none=True, validate=validate.OneOf(GENDERS))
    birthday = Day(allow_none=True, validate=_not_in_future)
    email = fields.Email(allow_none=True, validate=validate.Length(max=320))
    address = text_field(500)
    region = fields.Nested(RegionData, allow_none=True)
    industry = text_field(100)
    employer = text_field(200)
    job_title = text_field(100)
    source = text_field(200, metadata={"description": "Reason for the first visit (来店原因)."})
    owner = text_field(100, metadata={"description": "Username of the assigned consultant."})
    deputy_owner = text_field(100)
    tags = fields.List(fields.String(validate=[validate.Length(min=1, max=50), NOT_BLANK]), allow_none=True,
                       validate=validate.Length(max=50))
    notes = text_field(5000)
    intent_grade = fields.String(allow_none=True, validate=validate.OneOf(lifecycle.INTENT_GRADES),
                                 metadata={"description": "Prospects only: H, A, B or C."})
    wanted_model = text_field(200)
    consent = fields.Nested(ConsentArgs, allow_none=True)
    quiet_hours = fields.Nested(QuietHoursData, allow_none=True)
    external_id = text_field(100)
    store_id = fields.String(allow_none=True, validate=validate.Length(max=40),
                             metadata={"description": "The store (门店); default the caller's one store."})
    purchase_type = fields.String(allow_none=True, validate=validate.OneOf(PURCHASE_TYPES), metadata={
        "description": "first (首次购车), additional (增购: one more car) or replacement (换购: a trade-in)."})
    wechat_openid = fields.String(allow_none=True, validate=[
        validate.Length(min=1, max=WECHAT_OPENID_LENGTH), _wechat_openid], metadata={"pattern": "^[!-~]+$",
        "description": "The customer's openid with the dealership's WeChat official account (公众号): WeChat "
                       "template messages go to it, when the customer consented to WeChat (consent.wechat)."})
    # manager-only (key customer and risk lists, [002][004])
    key_customer = fields.Boolean(metadata={"description": "Managers only."})
    blacklisted = fields.Boolean(metadata={"description": "Managers only; needs blacklist_reason."})
    blacklist_reason = text_field(500, metadata={"description": "Managers only."})
    credit_limit = fields.Decimal(allow_none=True, places=2, as_string=True,
                                  validate=validate.Range(min=0, max=1_000_000_000),
                                  metadata={"description": "CNY; managers only.", "minimum": 0,
                                            "maximum": 1_000_000_000})

    def domain_errors(self, valid: dict[str, Any], partial: bool) -> dict[str, list[str]]:
        """Every rule of a new customer; the phones of an edit (its other rules need the stored record)."""
        return errors_judged_alone(valid, creating=not partial)


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
    plate = fields.String(validate=validate.Length(max=20), metadata={
        "description": "The plate or its end, as staff type it (粤B12345, B12345 or 12345 find 粤B·12345)."})
    vin = fields.String(validate=validate.Length(max=40),
                        metadata={"description": "A whole VIN or its last 6 characters."})
    owner = fields.String(validate=validate.Length(max=100))
    tag = fields.String(validate=validate.Length(max=50))
    kind = fields.String(validate=validate.OneOf(lifecycle.KINDS))
    stage = fields.String(validate=validate.OneOf(lifecycle.STAGES))
    created_from = Day()
    created_to = Day()
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "Matches any of: name, phone suffix, plate or its end, VIN or its "
                                               "last 6 characters."})
    store_id = fields.String(validate=validate.Length(max=40))
    tier = fields.String(validate=validate.OneOf(TIERS))
    intent_grade = fields.String(validate=validate.OneOf(lifecycle.INTENT_GRADES))
    key_customer = fields.Boolean()
    blacklisted = fields.Boolean()


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


class HistoryEntry(Schema):
    """One change: who did what when, and each field's old and new value."""

    at = Instant(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)), required=True)


class HistoryPage(PageOf):
    """A page of history entries."""

    items = fields.List(fields.Nested(HistoryEntry), required=True)


REASON = fields.String(validate=[validate.Length(min=1, max=500), NOT_BLANK],
                        metadata={"description": "Why (kept in the history and sent in the event)."})


class VoidArgs(Schema):
    """Void a record made by mistake: why, and the version it was seen at (If-Match or `version`)."""

    version = fields.Integer(validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=REASON.validate, metadata=REASON.metadata)


