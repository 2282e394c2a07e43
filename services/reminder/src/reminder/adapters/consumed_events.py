"""This service's own schemas of the events it reads (unknown fields ignored), checked against the
producers' published examples by tests/unit/test_consumed_events_contract.py."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class ConsentIn(_In):
    sms = fields.Boolean(load_default=False)
    phone = fields.Boolean(load_default=False)
    email = fields.Boolean(load_default=False)
    wechat = fields.Boolean(load_default=False)  # absent from customer events older than WeChat: not granted


class QuietHoursIn(_In):
    start = fields.String(required=True)
    end = fields.String(required=True)


class CustomerIn(_In):
    """customer.created.v1 (everything) and customer.updated.v1 (id, version and what changed)."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    birthday = fields.Date(allow_none=True)
    kind = fields.String(allow_none=True)
    stage = fields.String(allow_none=True)
    tier = fields.String(allow_none=True)
    owner = fields.String(allow_none=True)
    store_id = fields.String(allow_none=True)
    key_customer = fields.Boolean(allow_none=True)
    blacklisted = fields.Boolean(allow_none=True)
    consent = fields.Nested(ConsentIn, allow_none=True)
    quiet_hours = fields.Nested(QuietHoursIn, allow_none=True)
    created_at = fields.DateTime()
    wechat_openid = fields.String(allow_none=True)  # the customer's openid with the official account


class AssetIn(_In):
    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    kind = fields.String(required=True)
    model = fields.String(allow_none=True)
    plate = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    delivered_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    odometer_km = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    version = fields.Integer(allow_none=True)
    status = fields.String(allow_none=True)


class AssetRegisteredIn(_In):
    customer_id = fields.String(required=True)
    asset = fields.Nested(AssetIn, required=True)


class VisitDetailsIn(_In):
    odometer_km = fields.Integer(allow_none=True)
    service_type = fields.String(allow_none=True)


class VisitIn(_In):
    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    kind = fields.String(required=True)
    occurred_at = fields.DateTime(required=True)
    asset_id = fields.String(allow_none=True)
    details = fields.Nested(VisitDetailsIn, load_default=dict)
    staff = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    reminder_id = fields.String(allow_none=True)


class VisitDoneIn(_In):
    customer_id = fields.String(required=True)
    visit = fields.Nested(VisitIn, required=True)


class VisitCorrectedIn(_In):
    """visit.corrected.v1: the visit after the correction (its version bumped)."""

    customer_id = fields.String(required=True)
    visit = fields.Nested(VisitIn, required=True)
    reason = fields.String(allow_none=True)


class VisitVoidedIn(_In):
    """visit.voided.v1: the visit no longer counts anywhere."""

    customer_id = fields.String(required=True)
    visit_id = fields.String(required=True)
    asset_id = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    version = fields.Integer(allow_none=True)


class ChangedAssetIn(AssetIn):
    """The asset as asset.updated.v1 carries it (its registration time is not needed)."""

    created_at = fields.DateTime(allow_none=True)


class AssetUpdatedIn(_In):
    """asset.updated.v1: the asset after the change; `customer_id` is the new owner's when transferred."""

    customer_id = fields.String(required=True)
    asset = fields.Nested(ChangedAssetIn, required=True)
    updated_at = fields.DateTime(allow_none=True)
    changes = fields.Dict(keys=fields.String(), load_default=dict)
    previous_customer_id = fields.String(allow_none=True)


class AssetVoidedIn(_In):
    """asset.voided.v1: registered by mistake; forget it."""

    customer_id = fields.String(required=True)
    asset_id = fields.String(required=True)
    reason = fields.String(allow_none=True)


class OdometerRecordedIn(_In):
    """odometer.recorded.v1: a reading taken on its own."""

    customer_id = fields.String(required=True)
    asset_id = fields.String(required=True)
    odometer_km = fields.Integer(required=True)
    read_at = fields.DateTime(required=True)
    source = fields.String(allow_none=True)


class MergedIn(_In):
    survivor_id = fields.String(required=True)
    merged_id = fields.String(required=True)


class UnmergedIn(_In):
    survivor_id = fields.String(required=True)
    restored_id = fields.String(required=True)


class ErasedIn(_In):
    customer_id = fields.String(required=True)
    erased_at = fields.DateTime(required=True)


class TierChangedIn(_In):
    customer_id = fields.String(required=True)
    to_tier = fields.String(required=True)


class SlaTargetIn(_In):
    due_at = fields.DateTime(allow_none=True)
    met_at = fields.DateTime(allow_none=True)


class ComplaintIn(_In):
    """Every complaint.* event: the complaint's state after the step."""

    complaint_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    status = fields.String(required=True)
    assignee = fields.String(allow_none=True)
    occurred_at = fields.DateTime(required=True)
    sla = fields.Dict(keys=fields.String(), values=fields.Nested(SlaTargetIn), load_default=dict)


class EscalatedIn(ComplaintIn):
    """complaint.escalated.v1: who is told (`escalated_to`), at which level, after which SLA target (or none)."""

    store_id = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    severity = fields.String(allow_none=True)
    level = fields.String(required=True)
    reason = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    escalated_to = fields.String(allow_none=True, load_default=None)


#: The schema of each event type this service reads.
SCHEMAS: dict[str, Schema] = {
    "customer.created.v1": CustomerIn(),
    "customer.updated.v1": CustomerIn(),
    "customer.merged.v1": MergedIn(),
    "customer.unmerged.v1": UnmergedIn(),
    "customer.erased.v1": ErasedIn(),
    "customer.tier_changed.v1": TierChangedIn(),
    "asset.registered.v1": AssetRegisteredIn(),
    "visit.done.v1": VisitDoneIn(),
    "visit.corrected.v1": VisitCorrectedIn(),
    "visit.voided.v1": VisitVoidedIn(),
    "asset.updated.v1": AssetUpdatedIn(),
    "asset.voided.v1": AssetVoidedIn(),
    "odometer.recorded.v1": OdometerRecordedIn(),
    **{f"complaint.{step}.v1": ComplaintIn() for step in ("resolved", "callback_recorded", "reopened", "closed",
                                                           "rejected")},
    "complaint.escalated.v1": EscalatedIn(),
}
