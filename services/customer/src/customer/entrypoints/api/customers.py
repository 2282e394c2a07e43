"""Customers: create, read, edit (with optimistic concurrency), search, history."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import current_identity, requires
from servicekit.versions import edited_version, etag
from servicekit.view_context import actor, sessions

from customer.domain.search import build_filters
from customer.entrypoints.api.schemas import (
    CustomerArgs,
    CustomerPage,
    CustomerPatchArgs,
    HistoryPage,
    PageArgs,
    SearchArgs,
)
from customer.entrypoints.api.scope import admit
from customer.events import CustomerData
from customer.service_layer import customers, queries

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers",
                description="The customer archive (客户档案).")


@blp.route("", methods=["POST"])
@requires("write")
@blp.arguments(CustomerArgs)
@blp.response(201, CustomerData)
def create(values: dict[str, Any]):
    """Register a customer (409 naming the existing customer when the phone is taken)."""
    customer = customers.create_customer(sessions(), admit(values, creating=True), actor())
    return customer, etag(customer["version"])


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(SearchArgs, location="query", unknown=RAISE)
@blp.response(200, CustomerPage)
def search(args: dict[str, Any]):
    """Search customers by name, phone (or its last digits), plate, VIN, owner, tag, kind, stage, dates or q."""
    page, page_size = args.pop("page"), args.pop("page_size")
    found = queries.search(sessions(), build_filters(stores=current_identity().store_scope, **args), page,
                           page_size)
    return {"items": found.items, "total": found.total, "page": found.page, "page_size": found.page_size,
            "total_is_lower_bound": getattr(found.total, "is_lower_bound", False)}


@blp.route("/<uuid:customer_id>", methods=["GET"])
@requires("read")
@blp.response(200, CustomerData)
def get(customer_id: UUID):
    """One customer, with its version as ETag."""
    customer = customers.get_customer(sessions(), str(customer_id))
    headers = etag(customer["version"])
    if customer["id"] != str(customer_id):  # a merged customer: the survivor answers for it (RFC 6596)
        headers["Link"] = f'<{blp.url_prefix}/{customer["id"]}>; rel="canonical"'
    return customer, headers


@blp.route("/<uuid:customer_id>", methods=["PATCH"])
@requires("write")
@blp.arguments(CustomerPatchArgs(partial=True))
@blp.response(200, CustomerData)
def patch(values: dict[str, Any], customer_id: UUID):
    """Change some fields of a customer edited at a given version (If-Match or `version`)."""
    version = edited_version(values)
    customer = customers.update_customer(sessions(), str(customer_id), admit(values, creating=False), version,
                                         actor())
    return customer, etag(customer["version"])


@blp.route("/<uuid:customer_id>/history", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, HistoryPage)
def history(args: dict[str, Any], customer_id: UUID):
    """Every change to the customer, newest first."""
    return queries.history_of(sessions(), str(customer_id), args["page"], args["page_size"])
