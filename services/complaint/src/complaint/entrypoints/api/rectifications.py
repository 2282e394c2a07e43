"""Rectification notices (整改通知单) to the responsible department, tracked to done."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from servicekit.auth import requires

from complaint.entrypoints.api.context import actor, sessions, stores
from complaint.entrypoints.api.schemas import CompletionArgs, RectificationArgs, RectificationOut
from complaint.service_layer import rectifications

blp = Blueprint("rectifications", __name__, url_prefix="/api/v1/complaints",
                description="Rectification notices (整改通知单) issued to departments.")


@blp.route("/<uuid:complaint_id>/rectifications", methods=["POST"])
@requires("write")
@blp.arguments(RectificationArgs)
@blp.response(201, RectificationOut)
def issue(values: dict[str, Any], complaint_id: UUID):
    """Issue a notice to a department: what must change, by when."""
    return rectifications.issue(sessions(), str(complaint_id), values, actor(), stores())


@blp.route("/<uuid:complaint_id>/rectifications", methods=["GET"])
@requires("read")
@blp.response(200, RectificationOut(many=True))
def listing(complaint_id: UUID):
    """The complaint's notices, oldest first."""
    return rectifications.of_complaint(sessions(), str(complaint_id), stores())


@blp.route("/<uuid:complaint_id>/rectifications/<uuid:notice_id>/complete", methods=["POST"])
@requires("write")
@blp.arguments(CompletionArgs)
@blp.response(200, RectificationOut)
def complete(values: dict[str, Any], complaint_id: UUID, notice_id: UUID):
    """The department reports the rectification done (409 when it already is)."""
    return rectifications.complete(sessions(), str(complaint_id), str(notice_id), values["outcome"], actor(),
                                   stores())
