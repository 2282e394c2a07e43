"""Admin-only API keys for other systems: /api/v1/api-keys."""
from __future__ import annotations

from flask import current_app
from servicekit.auth import current_identity, requires
from servicekit.pagination import Blueprint
from servicekit.problems import Problem
from servicekit.webapp import service_context

from gateway.domain.api_keys import UnknownApiKey
from gateway.entrypoints.schemas import ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeySchema
from gateway.entrypoints.stores import check_stores
from gateway.service_layer import api_keys

blp = Blueprint("api_keys", __name__, url_prefix="/api/v1/api-keys",
                description="API keys for integrations (admin only).")


def _sessions():
    return service_context(current_app).sessions


@blp.route("", methods=["POST"])
@requires("admin")
@blp.arguments(ApiKeyCreateSchema)
@blp.response(201, ApiKeyCreatedSchema)
def create(body: dict):
    """Create an API key; its secret is in this answer and nowhere else, ever."""
    check_stores(body.get("stores", ()))
    key, secret = api_keys.create_api_key(_sessions(), body["name"], body["role"], current_identity().subject,
                                          body.get("stores", ()))
    return {**key.__dict__, "active": key.active, "key": secret}


@blp.route("", methods=["GET"])
@requires("admin")
@blp.response(200, ApiKeySchema(many=True))
@blp.paginate()
def index(pagination_parameters):
    """List API keys, newest first, without their secrets."""
    keys, total = api_keys.list_api_keys(_sessions(), pagination_parameters.first_item,
                                         pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return keys


@blp.route("/<key_id>", methods=["DELETE"])
@requires("admin")
@blp.response(204)
def revoke(key_id: str):
    """Revoke an API key: it stops working at once."""
    try:
        api_keys.revoke_api_key(_sessions(), key_id)
    except UnknownApiKey:
        raise Problem(404, "Not Found", f"There is no API key '{key_id}'.") from None
