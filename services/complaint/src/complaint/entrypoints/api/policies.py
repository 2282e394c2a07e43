"""SLA policies per category and severity (managers)."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from servicekit.auth import requires, requires_group_wide
from servicekit.view_context import actor, sessions

from complaint.entrypoints.api.settings_schemas import PolicyArgs, PolicyOut, PolicyPatchArgs
from complaint.service_layer import policies

blp = Blueprint("sla-policies", __name__, url_prefix="/api/v1/complaints/sla-policies",
                description="SLA targets in working minutes per category and severity; the most specific policy "
                            "applies when a complaint is filed.")


@blp.route("", methods=["GET"])
@requires("read")
@blp.response(200, PolicyOut(many=True))
def listing():
    """Every policy (the general one is */*)."""
    return policies.list_policies(sessions())


@blp.route("", methods=["POST"])
@requires("manage")
@requires_group_wide
@blp.arguments(PolicyArgs)
@blp.response(201, PolicyOut)
def create(values: dict[str, Any]):
    """Add a policy for a category and severity (409 when one exists)."""
    return policies.create_policy(sessions(), values, actor())


@blp.route("/<uuid:policy_id>", methods=["GET"])
@requires("read")
@blp.response(200, PolicyOut)
def get(policy_id: UUID):
    """One policy."""
    return policies.get_policy(sessions(), str(policy_id))


@blp.route("/<uuid:policy_id>", methods=["PATCH"])
@requires("manage")
@requires_group_wide
@blp.arguments(PolicyPatchArgs)
@blp.response(200, PolicyOut)
def patch(values: dict[str, Any], policy_id: UUID):
    """Change a policy's targets (complaints already filed keep theirs)."""
    return policies.update_policy(sessions(), str(policy_id), values, actor())


@blp.route("/<uuid:policy_id>", methods=["DELETE"])
@requires("manage")
@requires_group_wide
@blp.response(204)
def delete(policy_id: UUID):
    """Remove a policy (not the general one)."""
    policies.delete_policy(sessions(), str(policy_id))
