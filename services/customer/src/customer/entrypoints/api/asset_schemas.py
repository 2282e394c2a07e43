"""What the asset and odometer endpoints accept and return."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from servicekit.fields import Day, Flag, Instant

from customer.domain.assets import ASSET_KINDS, ASSET_STATUSES, STATUS_LABELS, check_asset
from customer.entrypoints.api.schemas import NOT_BLANK, GatheringSchema, PageArgs, PageOf, errors_of, text_field
from customer.events import AssetData


class AssetArgs(GatheringSchema):
    """A new asset; which fields apply depends on `kind`."""

    kind = fields.String(required=True, validate=validate.OneOf(ASSET_KINDS))
    model = text_field(200)
    plate = fields.String(allow_none=True, validate=[validate.Length(max=20), NOT_BLANK])
    vin = fields.String(allow_none=True, validate=validate.Length(max=40))
    delivered_on = Day(allow_none=True)
    expires_on = Day(allow_none=True)
    description = text_field(500)
    odometer_km = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=5_000_000))

    def domain_errors(self, valid: dict[str, Any], partial: bool) -> dict[str, list[str]]:
        """The fields the asset's kind needs or does not have, and the VIN."""
        return errors_of(check_asset, valid) if "kind" in valid else {}


class AssetListArgs(PageArgs):
    """Which page of assets; voided ones (registered by mistake) only when asked for."""

    include_voided = fields.Boolean(load_default=False)


class AssetPatchArgs(GatheringSchema):
    """A correction of an asset (null clears a field) or its new status, and the version it was made on
    (If-Match or `version`). Its kind never changes: void it and register it again."""

    version = fields.Integer(validate=validate.Range(min=1))
    reason = fields.String(allow_none=True, validate=validate.Length(max=500),
                           metadata={"description": "Why, kept in the history and sent in the event."})
    model = text_field(200)
    plate = fields.String(allow_none=True, validate=[validate.Length(max=20), NOT_BLANK])
    vin = fields.String(allow_none=True, validate=validate.Length(max=40))
    delivered_on = Day(allow_none=True, metadata={"description": "Not before 1990-01-01, not more than a day ahead."})
    expires_on = Day(allow_none=True)
    description = text_field(500)
    odometer_km = fields.Integer(validate=validate.Range(min=0, max=5_000_000), metadata={
        "description": "The right mileage as of today; earlier readings it shows wrong are set aside."})
    status = fields.String(validate=validate.OneOf(ASSET_STATUSES), metadata={
        "description": ", ".join(f"{code} ({label})" for code, label in STATUS_LABELS.items())
        + ": only an active asset gets reminders. Handing it to another of our customers is a transfer."})


class AssetTransferArgs(Schema):
    """Hand the asset to another of our customers."""

    to_customer_id = fields.UUID(required=True)
    version = fields.Integer(validate=validate.Range(min=1))
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class AssetPage(PageOf):
    """A page of assets."""

    items = fields.List(fields.Nested(AssetData), required=True)


class OdometerReading(Schema):
    """A mileage read on a day (by a service visit, when the vehicle was registered, or on its own)."""

    km = fields.Integer(required=True)
    read_on = fields.Date(required=True)
    visit_id = fields.String(allow_none=True)
    recorded_at = Instant(required=True)
    source = fields.String(allow_none=True, metadata={
        "description": "registration, visit, reading (on its own) or correction (an asset's odometer corrected)."})
    recorded_by = fields.String(allow_none=True)
    voided_at = Instant(allow_none=True, metadata={
        "description": "Set when the reading no longer counts: its visit was voided or corrected, or a correcting "
                       "reading showed it wrong."})


class OdometerPage(PageOf):
    """A page of odometer readings."""

    items = fields.List(fields.Nested(OdometerReading), required=True)


class OdometerReadingArgs(Schema):
    """A reading taken on its own (no visit)."""

    odometer_km = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=5_000_000))
    read_at = Instant(metadata={"description": "Default now; not before 1990-01-01, not more than a day ahead."})
    correction = Flag(load_default=False, metadata={
        "description": "A reading below an earlier one (or above a later one) is a 422 unless this is true: then "
                       "the earlier readings it contradicts were wrong and are set aside."})


class OdometerRecorded(OdometerReading):
    """The reading kept."""

    asset_id = fields.String(required=True)
    read_at = Instant(required=True)
    correction = fields.Boolean(required=True)
