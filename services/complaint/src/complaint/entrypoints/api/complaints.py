"""Complaints: file, list, read, and the timeline."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flask_smorest import Blueprint
from marshmallow import RAISE
from servicekit.auth import requires

from complaint.entrypoints.api.context import actor, config, sessions, stores
from complaint.entrypoints.api.schemas import (
    ComplaintArgs,
    ComplaintOut,
    ComplaintPage,
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
    """One complaint with its SLA figures and the steps allowed next."""
    return complaints.get_complaint(sessions(), config(), str(complaint_id), stores())


@blp.route("/<uuid:complaint_id>/timeline", methods=["GET"])
@requires("read")
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, TimelinePage)
def timeline(args: dict[str, Any], complaint_id: UUID):
    """Every step of the complaint with who did it and when, oldest first."""
    return queries.timeline(sessions(), str(complaint_id), args["page"], args["page_size"], stores())
