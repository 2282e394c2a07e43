"""Customers: create, read, edit (with optimistic concurrency), search, history."""
from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from flask import request
from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import current_identity, requires
from servicekit.problems import Problem

from customer.domain.search import build_filters
from customer.entrypoints.api.context import actor, sessions
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
_ETAG = re.compile(r'^(W/)?"?([0-9]{1,9})"?$')


def _etag(customer: dict[str, Any]) -> dict[str, str]:
    return {"ETag": f'"{customer["version"]}"'}


def expected_version(header: str | None, body_version: int | None) -> int:
    """The version an edit was made on, from If-Match or the body; 428 when neither says, 422 if they differ."""
    header_version = None
    if header is not None:
        match = _ETAG.match(header.strip())
        if match is None:
            raise Problem(428, "Precondition Required", 'If-Match must name one version, like If-Match: "3".')
        header_version = int(match.group(2))
    if header_version is None and body_version is None:
        raise Problem(428, "Precondition Required",
                      'Send the version you edited: If-Match: "<version>" or a "version" field.')
    if header_version is not None and body_version is not None and header_version != body_version:
        raise Problem(422, "Unprocessable Entity", "If-Match and the body's version disagree.",
                      errors={"version": [f"Differs from If-Match ({header_version})."]})
    return header_version if header_version is not None else body_version  # type: ignore[return-value]


@blp.route("", methods=["POST"])
@requires("write")
@blp.arguments(CustomerArgs)
@blp.response(201, CustomerData)
def create(values: dict[str, Any]):
    """Register a customer (409 naming the existing customer when the phone is taken)."""
    customer = customers.create_customer(sessions(), admit(values, creating=True), actor())
    return customer, _etag(customer)


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
    headers = _etag(customer)
    if customer["id"] != str(customer_id):  # a merged customer: the survivor answers for it (RFC 6596)
        headers["Link"] = f'<{blp.url_prefix}/{customer["id"]}>; rel="canonical"'
    return customer, headers


@blp.route("/<uuid:customer_id>", methods=["PATCH"])
@requires("write")
@blp.arguments(CustomerPatchArgs(partial=True))
@blp.response(200, CustomerData)
def patch(values: dict[str, Any], customer_id: UUID):
    """Change some fields of a customer edited at a given version (If-Match or `version`)."""
    version = expected_version(request.headers.get("If-Match"), values.pop("version", None))
    customer = customers.update_customer(sessions(), str(customer_id), admit(values, creating=False), version,
                                         actor())
    return customer, _etag(customer)


@blp.route("/<uuid:customer_id>/history", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, HistoryPage)
def history(args: dict[str, Any], customer_id: UUID):
    """Every change to the customer, newest first."""
    return queries.history_of(sessions(), str(customer_id), args["page"], args["page_size"])
