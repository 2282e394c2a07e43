"""Complaints: file, list, read, and the timeline."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import requires
from servicekit.versions import edited_version, etag
from servicekit.view_context import actor, sessions, stores

from complaint.entrypoints.api.context import config
from complaint.entrypoints.api.schemas import (
    ComplaintArgs,
    ComplaintOut,
    ComplaintPage,
    CorrectionArgs,
    PageArgs,
    SearchArgs,
    TimelinePage,
)
from complaint.service_layer import complaints, queries

blp = Blueprint("complaints", __name__, url_prefix="/api/v1/complaints",
                description="Complaints and their closed loop (投诉处理).")


@blp.route("", methods=["POST"])
@requires("write")
@blp.arguments(ComplaintArgs)
@blp.response(201, ComplaintOut)
def file(values: dict[str, Any]):
    """File a complaint for a known customer (422 when this service has not heard of the customer)."""
    values["customer_id"] = str(values["customer_id"])
    return complaints.file_complaint(sessions(), config(), values, actor(), stores())


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight starting `day` in the business time zone, in UTC (as every stored time is)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(SearchArgs, location="query", unknown=RAISE)
@blp.response(200, ComplaintPage)
def search(args: dict[str, Any]):
    """List complaints by status, category, severity, channel, department, assignee, customer, store,
    escalation, breach and filing dates, newest first."""
    page, page_size = args.pop("page"), args.pop("page_size")
    zone = config().calendar.zone
    if "customer_id" in args:
        args["customer_id"] = str(args["customer_id"])
    if "filed_from" in args:
        args["filed_from"] = _day_start(args["filed_from"], zone)
    if "filed_to" in args:
        args["filed_to"] = _day_start(args["filed_to"] + timedelta(days=1), zone)
    return queries.search(sessions(), config(), {**args, "stores": stores()}, page, page_size)


@blp.route("/<uuid:complaint_id>", methods=["GET"])
@requires("read")
@blp.response(200, ComplaintOut)
def get(complaint_id: UUID):
    """One complaint with its SLA figures and the steps allowed next; its version as ETag (for If-Match)."""
    complaint = complaints.get_complaint(sessions(), config(), str(complaint_id), stores())
    return complaint, etag(complaint["version"])


@blp.route("/<uuid:complaint_id>", methods=["PATCH"])
@requires("write")
@blp.arguments(CorrectionArgs)
@blp.response(200, ComplaintOut)
@blp.alt_response(409, description="The complaint is at another version than the one corrected "
                                   "(`current_version` says which).")
@blp.alt_response(428, description="Neither If-Match nor `version` names the version corrected.")
def correct(values: dict[str, Any], complaint_id: UUID):
    """Correct the channel, category, subcategory, severity or description, with a reason; kept on the timeline
    and published as complaint.corrected.v1. A category or severity correction re-plans the running SLA targets
    by the policy for the new pair; one to serious or critical escalates to the general manager."""
    version = edited_version(values)
    reason = values.pop("reason")
    complaint = complaints.correct_complaint(sessions(), config(), str(complaint_id), values, version, reason,
                                             actor(), stores())
    return complaint, etag(complaint["version"])


@blp.route("/<uuid:complaint_id>/timeline", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, TimelinePage)
def timeline(args: dict[str, Any], complaint_id: UUID):
    """Every step of the complaint with who did it and when, oldest first."""
    return queries.timeline(sessions(), str(complaint_id), args["page"], args["page_size"], stores())
