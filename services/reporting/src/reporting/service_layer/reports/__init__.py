"""The reports, each a few reads of the pre-aggregated tallies (PRODUCT.md 2.4, seeds [000]–[003]): one module
per report (prospects.py computes the prospects report, owners.py the owners report, …).

A report is JSON-ready data, the same figures as flat tables (for CSV) and, where people would rather look
than read, a chart. Every report says how fresh the read model is. `read_report` is the use case a view calls.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from reporting.domain.report import Report
from reporting.service_layer.periods import Period
from reporting.service_layer.reports.callbacks import callbacks
from reporting.service_layer.reports.churn import churn
from reporting.service_layer.reports.complaints import complaints
from reporting.service_layer.reports.customer_flow import customer_flow
from reporting.service_layer.reports.monthly import monthly
from reporting.service_layer.reports.owners import owners
from reporting.service_layer.reports.prospects import prospects
from reporting.service_layer.reports.segment_members import parse_cursor, segment_customers
from reporting.service_layer.reports.staff import staff
from reporting.service_layer.reports.value import rfm_counts, value

REPORTS: dict[str, Callable[[Session, Period], Report]] = {
    "prospects": prospects, "owners": owners, "customer-flow": customer_flow, "churn": churn, "value": value,
    "complaints": complaints, "callbacks": callbacks, "staff": staff, "monthly": monthly}

__all__ = ["REPORTS", "month_period", "parse_cursor", "read_report", "rfm_counts", "segment_customers"]


def month_period(month: date, stores: tuple[str, ...] | None) -> Period:
    """The whole calendar month of `month`."""
    start = month.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Period(start, end, stores)


def read_report(sessions: sessionmaker[Session], name: str, period: Period,
                members: dict[str, Any] | None = None) -> Report:
    """Report `name` over `period`, read in one session. With `members` ({segment, page, page_size, after}),
    the value report adds a page of that segment's customers (`members`)."""
    with sessions() as session:
        report = REPORTS[name](session, period)
        if members:
            segment = members["segment"]
            size = next(item["customers"] for item in report.data["segments"] if item["segment"] == segment)
            report.data["members"] = segment_customers(session, period, segment, members["page"],
                                                       members["page_size"], total=size, after=members.get("after"))
    return report
