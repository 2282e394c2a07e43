"""The query arguments of the report views: the period, the store, the format; a segment's page; a month."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from servicekit.fields import Day, Month
from servicekit.pagination import MAX_PAGE

from reporting.domain.rfm import SEGMENTS
from reporting.service_layer import reports

FORMATS = ("json", "csv", "png", "svg", "html")
#: Segment pages by number reach this many customers deep; further on, `after` (as cheap deep as at the top).
MAX_SEGMENT_OFFSET = 10_000


class ReportArgs(Schema):
    """The period (local dates, both included; default the last twelve months), store and format."""

    start = Day(data_key="from", metadata={"description": "First day (default: the 1st, 11 months before `to`); "
                                                          "a period spans at most CRM_REPORTING_MAX_PERIOD_DAYS."})
    end = Day(data_key="to", metadata={"description": "Last day (default: today in the business's time zone, "
                                                      "CRM_TIMEZONE, Asia/Shanghai unless set)."})
    store = fields.String(validate=validate.Length(min=1, max=100), metadata={
        "description": "Only this store's customers, complaints and visits (one of the caller's stores: 403 "
                       "otherwise). Default: the caller's stores (summed), the whole group for a caller of no store."})
    format = fields.String(validate=validate.OneOf(FORMATS),
                           metadata={"description": "Instead of the Accept header: json, csv, png, svg (charts), "
                                                    "html (the monthly summary)."})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs) -> None:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("`to` is before `from`.", "to")


class ValueArgs(ReportArgs):
    """RFM as of `to`; with `segment`, a page of that segment's customers."""

    segment = fields.String(validate=validate.OneOf([name for name, _, _ in SEGMENTS]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    after = fields.String(validate=validate.Length(max=60), metadata={
        "description": "The `members.next` of the page before: the page after it (instead of `page`; as fast "
                       "deep in a segment as at its top)."})

    @validates_schema
    def _cursor(self, data: dict[str, Any], **_kwargs) -> None:
        if data.get("after") is not None:
            try:
                reports.parse_cursor(data["after"])
            except ValueError:
                raise ValidationError("Use the `next` of the page before.", "after") from None
        elif (data["page"] - 1) * data["page_size"] >= MAX_SEGMENT_OFFSET:
            raise ValidationError(f"Pages by number reach the first {MAX_SEGMENT_OFFSET} customers of a segment; "
                                  "read on with `after` (the `next` of the page before).", "page")


class MonthlyArgs(ReportArgs):
    """One calendar month (`month`), or any `from`/`to`."""

    month = Month()
