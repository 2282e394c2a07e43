"""Assets of a customer and their odometer readings."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import requires

from customer.entrypoints.api.context import actor, sessions
from customer.entrypoints.api.schemas import AssetArgs, AssetPage, OdometerPage, PageArgs
from customer.events import AssetData
from customer.service_layer import assets, queries

blp = Blueprint("assets", __name__, url_prefix="/api/v1/customers",
                description="What customers own from us: vehicles, property units, service contracts.")


@blp.route("/<uuid:customer_id>/assets", methods=["POST"])
@requires("write")
@blp.arguments(AssetArgs)
@blp.response(201, AssetData)
def register(values: dict[str, Any], customer_id: UUID):
    """Register an asset of the customer (409 when the VIN is already registered)."""
    return assets.register_asset(sessions(), str(customer_id), values, actor())


@blp.route("/<uuid:customer_id>/assets", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, AssetPage)
def listing(args: dict[str, Any], customer_id: UUID):
    """The customer's assets, oldest first."""
    return queries.assets_of(sessions(), str(customer_id), args["page"], args["page_size"])


@blp.route("/<uuid:customer_id>/assets/<uuid:asset_id>/odometer", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, OdometerPage)
def odometer(args: dict[str, Any], customer_id: UUID, asset_id: UUID):
    """The asset's odometer readings with their dates, newest first."""
    return queries.odometer_of(sessions(), str(customer_id), str(asset_id), args["page"], args["page_size"])
