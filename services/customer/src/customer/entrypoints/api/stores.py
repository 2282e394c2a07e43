"""The stores (门店) of the dealer group: /api/v1/stores."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from servicekit.auth import requires
from servicekit.fields import Instant
from servicekit.view_context import sessions

from customer.domain.stores import STORE_ID
from customer.entrypoints.api.schemas import PageArgs, PageOf
from customer.events import RegionData
from customer.service_layer import stores

blp = Blueprint("stores", __name__, url_prefix="/api/v1/stores",
                description="The stores of the dealer group; customers and staff belong to them.")
_NOT_BLANK = validate.Regexp(r"\S", error="Must not be blank.")


class StoreChangeArgs(Schema):
    """The changeable parts of a store."""

    name = fields.String(validate=[validate.Length(max=200), _NOT_BLANK])
    region = fields.Nested(RegionData, allow_none=True)
    address = fields.String(allow_none=True, validate=validate.Length(max=500))


class StoreArgs(StoreChangeArgs):
    """A new store."""

    id = fields.String(required=True, validate=validate.Regexp(
        STORE_ID, error="1 to 40 of a-z, 0-9, '_' and '-', starting with a letter or digit."),
        metadata={"description": "Short and stable, e.g. sz01: users and customers name it."})
    name = fields.String(required=True, validate=[validate.Length(max=200), _NOT_BLANK])


class StoreData(Schema):
    """A store and how many customers it has."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.Nested(RegionData, allow_none=True)
    address = fields.String(allow_none=True)
    customers = fields.Integer(required=True)
    created_at = Instant(required=True)


class StorePage(PageOf):
    """A page of stores."""

    items = fields.List(fields.Nested(StoreData), required=True)


@blp.route("", methods=["POST"])
@requires("admin")
@blp.arguments(StoreArgs)
@blp.response(201, StoreData)
def create(values: dict[str, Any]):
    """Open a store (409 when the id is taken)."""
    return stores.create_store(sessions(), values)


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, StorePage)
def listing(args: dict[str, Any]):
    """The group's stores, by id."""
    return stores.list_stores(sessions(), args["page"], args["page_size"])


@blp.route("/<string(maxlength=40):store_id>", methods=["GET"])
@requires("read")
@blp.response(200, StoreData)
def get(store_id: str):
    """One store."""
    return stores.get_store(sessions(), store_id)


@blp.route("/<string(maxlength=40):store_id>", methods=["PATCH"])
@requires("admin")
@blp.arguments(StoreChangeArgs)
@blp.response(200, StoreData)
def change(values: dict[str, Any], store_id: str):
    """Rename a store or change its region or address."""
    return stores.update_store(sessions(), store_id, values)
