"""Complaints: file, list, read, and the timeline."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import request
from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import requires
from servicekit.problems import Problem

from complaint.entrypoints.api.context import actor, config, sessions, stores
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
_ETAG = re.compile(r'^(W/)?"?([0-9]{1,9})"?$')


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
                      'Send the version you corrected: If-Match: "<version>" or a "version" field.')
    if header_version is not None and body_version is not None and header_version != body_version:
        raise Problem(422, "Unprocessable Entity", "If-Match and the body's version disagree.",
                      errors={"version": [f"Differs from If-Match ({header_version})."]})
    return header_version if header_version is not None else body_version  # type: ignore[return-value]


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
    return complaint, {"ETag": f'"{complaint["version"]}"'}


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
    version = expected_version(request.headers.get("If-Match"), values.pop("version", None))
    reason = values.pop("reason")
    complaint = complaints.correct_complaint(sessions(), config(), str(complaint_id), values, version, reason,
                                             actor(), stores())
    return complaint, {"ETag": f'"{complaint["version"]}"'}


@blp.route("/<uuid:complaint_id>/timeline", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, TimelinePage)
def timeline(args: dict[str, Any], complaint_id: UUID):
    """Every step of the complaint with who did it and when, oldest first."""
    return queries.timeline(sessions(), str(complaint_id), args["page"], args["page_size"], stores())
