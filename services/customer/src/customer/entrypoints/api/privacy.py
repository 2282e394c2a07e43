"""Personal-data rights: export all held about a customer, erase it, consent per channel."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from servicekit.auth import requires
from servicekit.fields import Instant
from servicekit.view_context import actor, sessions

from customer.domain.privacy import CONSENT_CHANNELS
from customer.events import AssetData, CustomerData, VisitData
from customer.service_layer import privacy

blp = Blueprint("privacy", __name__, url_prefix="/api/v1/customers",
                description="Personal-data rights (PIPL / GDPR): access, erasure, consent.")


#: Clocks of the callers may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)


def _not_in_future(moment: datetime) -> None:
    if moment > datetime.now(UTC) + CLOCK_SKEW:
        raise ValidationError("Must not be in the future.")


class ConsentGrantArgs(Schema):
    """A grant or withdrawal of consent on one channel."""

    channel = fields.String(required=True, validate=validate.OneOf(CONSENT_CHANNELS))
    granted = fields.Boolean(required=True)
    # an offset is required here (no default time zone): when consent was given is evidence
    given_at = Instant(default_timezone=None, allow_none=True, validate=_not_in_future,
                                    metadata={"description": "When the customer said so; default now."})
    source = fields.String(required=True, validate=[validate.Length(min=1, max=200),
                                                    validate.Regexp(r"\S", error="Must not be blank.")],
                           metadata={"description": "Where it was given: a signed form, a call, the web…"})


class ConsentRecord(Schema):
    """One grant or withdrawal as recorded."""

    channel = fields.String(required=True)
    granted = fields.Boolean(required=True)
    given_at = Instant(required=True)
    source = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = Instant(required=True)


class ChannelConsent(Schema):
    """A channel's consent now, and when and where it was last given or withdrawn (null: never recorded)."""

    granted = fields.Boolean(required=True)
    given_at = Instant(allow_none=True)
    source = fields.String(allow_none=True)


class ConsentsData(Schema):
    """Consent per channel, and every record of it (oldest first)."""

    customer_id = fields.String(required=True)
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelConsent), required=True)
    records = fields.List(fields.Nested(ConsentRecord), required=True)


class OdometerData(Schema):
    """A mileage reading."""

    km = fields.Integer(required=True)
    read_on = fields.Date(required=True)
    visit_id = fields.String(allow_none=True)
    recorded_at = Instant(required=True)


class HeldAsset(AssetData):
    """An asset with every odometer reading."""

    odometer_readings = fields.List(fields.Nested(OdometerData), required=True)


class HeldEntry(Schema):
    """A history entry or a ledger entry, as kept."""

    at = Instant(required=True)
    actor = fields.String()
    action = fields.String()
    changes = fields.Dict()
    kind = fields.String()
    points = fields.Integer()
    reason = fields.String(allow_none=True)


class PersonalDataDocument(Schema):
    """Everything this service holds about one customer."""

    exported_at = Instant(required=True)
    customer_id = fields.String(required=True)
    customer = fields.Nested(CustomerData, required=True)
    merged_records = fields.List(fields.Nested(CustomerData), required=True,
                                 metadata={"description": "Records of the same person merged into this one."})
    assets = fields.List(fields.Nested(HeldAsset), required=True)
    visits = fields.List(fields.Nested(VisitData), required=True)
    points_ledger = fields.List(fields.Nested(HeldEntry), required=True)
    consent_records = fields.List(fields.Nested(ConsentRecord), required=True)
    history = fields.List(fields.Nested(HeldEntry), required=True)


@blp.route("/<uuid:customer_id>/personal-data", methods=["GET"])
@requires("manage")
@blp.response(200, PersonalDataDocument)
def export(customer_id: UUID):
    """Everything held about the customer, as one JSON document (PIPL art. 45, GDPR art. 15 and 20); the export
    is kept in the customer's history."""
    return privacy.export(sessions(), str(customer_id), actor())


@blp.route("/<uuid:customer_id>/erasure", methods=["POST"])
@requires("manage")
@blp.response(200, CustomerData)
def erase(customer_id: UUID):
    """Erase the customer's personal data (PIPL art. 47, GDPR art. 17): masked here at once, phones freed,
    history kept without personal values; customer.erased.v1 tells every other service. 409 if done already."""
    return privacy.erase(sessions(), str(customer_id), actor())


@blp.route("/<uuid:customer_id>/consents", methods=["GET"])
@requires("read")
@blp.response(200, ConsentsData)
def consents(customer_id: UUID):
    """Consent per channel with when and where it was given, and every grant and withdrawal."""
    return privacy.consents_of(sessions(), str(customer_id))


@blp.route("/<uuid:customer_id>/consents", methods=["POST"])
@requires("write")
@blp.arguments(ConsentGrantArgs)
@blp.response(201, ConsentsData)
def record_consent(values: dict[str, Any], customer_id: UUID):
    """Record a grant or withdrawal of consent on one channel, with its time and source."""
    return privacy.record_consent(sessions(), str(customer_id), values["channel"], values["granted"],
                                  values.get("given_at"), values["source"], actor())
