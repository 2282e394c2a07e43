"""Membership and points: the ledger of a customer, redemptions, adjustments, year-end expiry."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from servicekit.auth import requires
from servicekit.fields import LATEST, Instant
from servicekit.view_context import actor, sessions

from customer.domain.points import ENTRY_KINDS, MAX_POINTS, TIERS
from customer.entrypoints.api.context import config
from customer.entrypoints.api.schemas import PageArgs, PageOf
from customer.service_layer import points

blp = Blueprint("membership", __name__, url_prefix="/api/v1/customers",
                description="Membership tiers (会员卡) and points (积分): earned from visits, redeemed, adjusted.")
_REASON = fields.String(required=True, validate=[validate.Length(min=1, max=500),
                                                 validate.Regexp(r"\S", error="Must not be blank.")])


def _not_zero(value: int) -> None:
    if value == 0:
        raise ValidationError("An adjustment of 0 points changes nothing.")


class RedemptionArgs(Schema):
    """Points the customer spends, and on what."""

    points = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_POINTS))
    reason = _REASON


class AdjustmentArgs(Schema):
    """Points added (positive) or taken (negative) by hand."""

    points = fields.Integer(required=True, strict=True, validate=[validate.Range(min=-MAX_POINTS, max=MAX_POINTS),
                                                                  _not_zero])
    reason = _REASON


class ExpiryArgs(Schema):
    """The year whose unspent points expire."""

    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=LATEST.year))


class PointsChangeData(Schema):
    """The customer's points after a change."""

    customer_id = fields.String(required=True)
    balance = fields.Integer(required=True)
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))


class LedgerEntry(Schema):
    """One change of a customer's points."""

    id = fields.Integer(required=True)
    at = Instant(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ENTRY_KINDS))
    points = fields.Integer(required=True, metadata={"description": "Positive when added, negative when taken."})
    reason = fields.String(allow_none=True)
    actor = fields.String(required=True)


class PointsAccountData(PageOf):
    """Balance, tier, the way to the next tier, and a page of the ledger (newest first); the ledger sums to the
    balance."""

    customer_id = fields.String(required=True)
    balance = fields.Integer(required=True)
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    next_tier = fields.String(allow_none=True)
    points_to_next_tier = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(LedgerEntry), required=True)


class ExpiryData(Schema):
    """What a year-end expiry did."""

    year = fields.Integer(required=True)
    customers = fields.Integer(required=True, metadata={"description": "Customers who lost points."})
    points = fields.Integer(required=True, metadata={"description": "Points expired in all."})


class PolicyData(Schema):
    """How points are earned and which tier a balance gives."""

    points_per_yuan = fields.Decimal(as_string=True, required=True)
    thresholds = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                             metadata={"description": "Points a balance needs for each tier above regular."})
    expire_at_year_end = fields.Boolean(required=True)


@blp.route("/membership", methods=["GET"])
@requires("read")
@blp.response(200, PolicyData)
def policy():
    """The points rate, the tier thresholds and whether points expire at year end."""
    return config().points


class RetierData(Schema):
    """How many customers moved to another tier."""

    changed = fields.Integer(required=True)


@blp.route("/membership/tiers", methods=["POST"])
@requires("admin")
@blp.response(200, RetierData)
def retier():
    """Give every customer the tier its balance earns under the current thresholds (after CRM_MEMBERSHIP_TIERS
    changed); each move is a customer.tier_changed.v1."""
    return points.retier(sessions(), actor(), config().points)


@blp.route("/<uuid:customer_id>/points", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, PointsAccountData)
def account(args: dict[str, Any], customer_id: UUID):
    """The customer's balance, tier and ledger."""
    return points.account_of(sessions(), str(customer_id), args["page"], args["page_size"], config().points)


@blp.route("/<uuid:customer_id>/points/redemptions", methods=["POST"])
@requires("write")
@blp.arguments(RedemptionArgs)
@blp.response(201, PointsChangeData)
def redeem(values: dict[str, Any], customer_id: UUID):
    """The customer spends points (409 with the balance when they have fewer)."""
    return points.redeem(sessions(), str(customer_id), values["points"], values["reason"], actor(), config().points)


@blp.route("/<uuid:customer_id>/points/adjustments", methods=["POST"])
@requires("manage")
@blp.arguments(AdjustmentArgs)
@blp.response(201, PointsChangeData)
def adjust(values: dict[str, Any], customer_id: UUID):
    """Add or take points by hand, saying why (managers; never below zero)."""
    return points.adjust(sessions(), str(customer_id), values["points"], values["reason"], actor(), config().points)


@blp.route("/points/expiry", methods=["POST"])
@requires("admin")
@blp.arguments(ExpiryArgs)
@blp.response(200, ExpiryData)
def expire(values: dict[str, Any]):
    """Expire the points left unspent from a past year (409 unless CRM_POINTS_EXPIRE_AT_YEAR_END is on).

    Run it once after new year; running it again expires nothing twice.
    """
    return points.expire_year(sessions(), values["year"], actor(), config().points)
