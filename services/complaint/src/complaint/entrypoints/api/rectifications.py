"""Rectification notices (整改通知单) to the responsible department, tracked to done."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Response
from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import requires
from servicekit.view_context import actor, sessions, stores

from complaint.entrypoints.api.context import config
from complaint.entrypoints.api.rectification_schemas import (
    CompletionArgs,
    RectificationArgs,
    RectificationOut,
    RectificationPage,
    RectificationSearchArgs,
)
from complaint.service_layer import rectifications

blp = Blueprint("rectifications", __name__, url_prefix="/api/v1/complaints",
                description="Rectification notices (整改通知单) issued to departments.")


@blp.route("/<uuid:complaint_id>/rectifications", methods=["POST"])
@requires("write")
@blp.arguments(RectificationArgs)
@blp.response(201, RectificationOut)
def issue(values: dict[str, Any], complaint_id: UUID):
    """Issue a notice to a department: what must change, by when (today or later, business time zone)."""
    today = datetime.now(config().calendar.zone).date()
    return rectifications.issue(sessions(), str(complaint_id), values, actor(), stores(), today)


@blp.route("/rectifications", methods=["GET"])
@requires("read")
@blp.arguments(RectificationSearchArgs, location="query", unknown=RAISE)
@blp.response(200, RectificationPage)
def search(args: dict[str, Any]):
    """Rectification notices of every complaint by department, status and store, the earliest due first."""
    page, page_size = args.pop("page"), args.pop("page_size")
    return rectifications.search(sessions(), {**args, "stores": stores()}, page, page_size)


@blp.route("/<uuid:complaint_id>/rectifications/<uuid:notice_id>/print", methods=["GET"])
@requires("read")
@blp.response(200, content_type="text/html", description="The notice as a printable page (A4, in Chinese).")
def print_notice(complaint_id: UUID, notice_id: UUID):
    """The notice as a page to print and hand to the department (整改通知单), with lines to sign."""
    page = rectifications.printed(sessions(), str(complaint_id), str(notice_id), config().calendar.zone, stores())
    return Response(page, mimetype="text/html")


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
