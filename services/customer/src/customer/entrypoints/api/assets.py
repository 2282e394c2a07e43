"""Assets of a customer and their odometer readings; corrections, status, transfers and voids."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import current_identity, requires
from servicekit.versions import edited_version, etag
from servicekit.view_context import actor, sessions

from customer.entrypoints.api.asset_schemas import (
    AssetArgs,
    AssetListArgs,
    AssetPage,
    AssetPatchArgs,
    AssetTransferArgs,
    OdometerPage,
    OdometerReadingArgs,
    OdometerRecorded,
)
from customer.entrypoints.api.schemas import PageArgs, VoidArgs
from customer.entrypoints.api.scope import check_in_reach
from customer.events import AssetData
from customer.service_layer import asset_changes, assets, odometer_readings, queries

blp = Blueprint("assets", __name__, url_prefix="/api/v1/customers",
                description="What customers own from us: vehicles, property units, service contracts.")



@blp.route("/<uuid:customer_id>/assets", methods=["POST"])
@requires("write")
@blp.arguments(AssetArgs)
@blp.response(201, AssetData)
def register(values: dict[str, Any], customer_id: UUID):
    """Register an asset of the customer (409 when the VIN is already registered)."""
    asset = assets.register_asset(sessions(), str(customer_id), values, actor())
    return asset, etag(asset["version"])


@blp.route("/<uuid:customer_id>/assets", methods=["GET"])
@requires("read")
@blp.arguments(AssetListArgs, location="query", unknown=RAISE)
@blp.response(200, AssetPage)
def listing(args: dict[str, Any], customer_id: UUID):
    """The customer's assets, oldest first (voided ones only with `include_voided=true`)."""
    return queries.assets_of(sessions(), str(customer_id), args["page"], args["page_size"], args["include_voided"])


@blp.route("/<uuid:customer_id>/assets/<uuid:asset_id>", methods=["GET"])
@requires("read")
@blp.response(200, AssetData)
def get(customer_id: UUID, asset_id: UUID):
    """One asset (voided too), with its version as ETag."""
    asset = queries.asset_of(sessions(), str(customer_id), str(asset_id))
    return asset, etag(asset["version"])


@blp.route("/<uuid:customer_id>/assets/<uuid:asset_id>", methods=["PATCH"])
@requires("write")
@blp.arguments(AssetPatchArgs)
@blp.response(200, AssetData)
def patch(values: dict[str, Any], customer_id: UUID, asset_id: UUID):
    """Correct an asset edited at a given version (If-Match or `version`): plate, VIN, model, delivery and
    expiry dates, description, the odometer (as of today), or mark it sold (已售出) or scrapped (报废).

    Kept in the customer's history with `reason`; `asset.updated.v1`. 409 when the VIN is another asset's.
    """
    version = edited_version(values)
    reason = values.pop("reason", None)
    asset = asset_changes.update_asset(sessions(), str(customer_id), str(asset_id), values, version, reason, actor())
    return asset, etag(asset["version"])


@blp.route("/<uuid:customer_id>/assets/<uuid:asset_id>/transfer", methods=["POST"])
@requires("write")
@blp.arguments(AssetTransferArgs)
@blp.response(200, AssetData)
def transfer(values: dict[str, Any], customer_id: UUID, asset_id: UUID):
    """Hand the asset to another of our customers (If-Match or `version`): its readings go with it, its
    visits stay in the former owner's history. `asset.updated.v1` about the new owner, naming the former."""
    version = edited_version(values)
    target = str(values["to_customer_id"])
    check_in_reach(current_identity(), [target])  # another store's customer is as unknown as no customer
    asset = asset_changes.transfer_asset(sessions(), str(customer_id), str(asset_id), target, version,
                                         values.get("reason"), actor())
    return asset, etag(asset["version"])


@blp.route("/<uuid:customer_id>/assets/<uuid:asset_id>/void", methods=["POST"])
@requires("write")
@blp.arguments(VoidArgs)
@blp.response(200, AssetData)
def void(values: dict[str, Any], customer_id: UUID, asset_id: UUID):
    """Void an asset registered by mistake (If-Match or `version`, and `reason`): its VIN and plate are
    freed, it leaves the list and the searches; the history keeps it. `asset.voided.v1`."""
    version = edited_version(values)
    asset = asset_changes.void_asset(sessions(), str(customer_id), str(asset_id), version, values["reason"], actor())
    return asset, etag(asset["version"])


@blp.route("/<uuid:customer_id>/assets/<uuid:asset_id>/odometer", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, OdometerPage)
def odometer(args: dict[str, Any], customer_id: UUID, asset_id: UUID):
    """The asset's odometer readings with their dates, newest first (those set aside marked `voided_at`)."""
    return queries.odometer_of(sessions(), str(customer_id), str(asset_id), args["page"], args["page_size"])


@blp.route("/<uuid:customer_id>/assets/<uuid:asset_id>/odometer-readings", methods=["POST"])
@requires("write")
@blp.arguments(OdometerReadingArgs)
@blp.response(201, OdometerRecorded)
def record_reading(values: dict[str, Any], customer_id: UUID, asset_id: UUID):
    """Record a mileage read on its own (no visit: a photo of the dashboard, a call). `odometer.recorded.v1`.

    Less than an earlier reading (or more than a later one) is a 422 naming odometer_km, unless
    `correction: true` says the earlier readings were wrong: those it contradicts are then set aside.
    """
    return odometer_readings.record_reading(sessions(), str(customer_id), str(asset_id), values["odometer_km"],
                                            values.get("read_at"), values["correction"], actor())
