"""Group-wide settings of the complaint workflow and the escalation contacts (managers of no store, admins)."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import requires, requires_group_wide
from servicekit.view_context import actor, sessions

from complaint.entrypoints.api.settings_schemas import (
    ContactArgs,
    ContactOut,
    ContactPage,
    ContactPatchArgs,
    ContactSearchArgs,
    SettingsArgs,
    SettingsOut,
)
from complaint.service_layer import settings

blp = Blueprint("complaint-settings", __name__, url_prefix="/api/v1/complaints",
                description="Group-wide settings: whether closing needs the survey, and who is told at each "
                            "escalation level (per store, with a group-wide default).")


@blp.route("/settings", methods=["GET"])
@requires("read")
@blp.response(200, SettingsOut)
def get_settings():
    """The settings (survey required before closing: on unless turned off)."""
    return settings.get_settings(sessions())


@blp.route("/settings", methods=["PATCH"])
@requires("manage")
@requires_group_wide
@blp.arguments(SettingsArgs)
@blp.response(200, SettingsOut)
def patch_settings(values: dict[str, Any]):
    """Change settings of every store."""
    return settings.change_settings(sessions(), values, actor())


@blp.route("/escalation-contacts", methods=["GET"])
@requires("read")
@blp.arguments(ContactSearchArgs, location="query", unknown=RAISE)
@blp.response(200, ContactPage)
def list_contacts(args: dict[str, Any]):
    """The escalation contacts, the group-wide defaults ("*") first."""
    page, page_size = args.pop("page"), args.pop("page_size")
    return settings.list_contacts(sessions(), args, page, page_size)


@blp.route("/escalation-contacts", methods=["POST"])
@requires("manage")
@requires_group_wide
@blp.arguments(ContactArgs)
@blp.response(201, ContactOut)
def create_contact(values: dict[str, Any]):
    """Name who is told for a store (or "*": every store without its own) and level (409 when one is named)."""
    return settings.create_contact(sessions(), values, actor())


@blp.route("/escalation-contacts/<uuid:contact_id>", methods=["GET"])
@requires("read")
@blp.response(200, ContactOut)
def get_contact(contact_id: UUID):
    """One escalation contact."""
    return settings.get_contact(sessions(), str(contact_id))


@blp.route("/escalation-contacts/<uuid:contact_id>", methods=["PATCH"])
@requires("manage")
@requires_group_wide
@blp.arguments(ContactPatchArgs)
@blp.response(200, ContactOut)
def patch_contact(values: dict[str, Any], contact_id: UUID):
    """Name someone else (escalations already made keep who was told then)."""
    return settings.update_contact(sessions(), str(contact_id), values, actor())


@blp.route("/escalation-contacts/<uuid:contact_id>", methods=["DELETE"])
@requires("manage")
@requires_group_wide
@blp.response(204)
def delete_contact(contact_id: UUID):
    """Forget a contact (the store's escalations then go to the group-wide default, if any)."""
    settings.delete_contact(sessions(), str(contact_id))
