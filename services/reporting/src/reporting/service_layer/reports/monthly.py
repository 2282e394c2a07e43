"""The monthly summary (月度客户统计, [003]): the main reports of one period on one page."""
from __future__ import annotations

from sqlalchemy.orm import Session

from reporting.domain.report import Report
from reporting.service_layer.periods import Period
from reporting.service_layer.reports.callbacks import callbacks
from reporting.service_layer.reports.churn import churn
from reporting.service_layer.reports.common import ENVELOPE, envelope
from reporting.service_layer.reports.complaints import complaints
from reporting.service_layer.reports.customer_flow import customer_flow
from reporting.service_layer.reports.owners import owners
from reporting.service_layer.reports.prospects import prospects


def monthly(session: Session, period: Period) -> Report:
    """The main reports for one period on one page (月度客户统计) [003]."""
    parts = {name: build(session, period).data for name, build in
             (("prospects", prospects), ("owners", owners), ("customer_flow", customer_flow), ("churn", churn),
              ("complaints", complaints), ("callbacks", callbacks))}
    summary = {
        "new_prospects": parts["prospects"]["totals"]["prospects"],
        "prospect_conversion_rate": parts["prospects"]["totals"]["conversion_rate"],
        "owners": parts["owners"]["totals"]["owners"],
        "new_customers": parts["customer_flow"]["totals"]["new"],
        "lost_customers": parts["customer_flow"]["totals"]["lost"],
        "churn_rate": parts["churn"]["totals"]["churn_rate"],
        "complaints": parts["complaints"]["totals"]["complaints"],
        "complaint_reopen_rate": parts["complaints"]["totals"]["reopen_rate"],
        "complaint_satisfaction_rate": parts["complaints"]["satisfaction_after_callback"]["satisfaction_rate"],
        "first_maintenance_rate": parts["callbacks"]["first_maintenance"]["rate"],
        "appointment_booking_rate": parts["callbacks"]["appointments"]["booking_rate"],
        "appointment_show_up_rate": parts["callbacks"]["appointments"]["show_up_rate"],
    }
    data = {**envelope(session, "monthly", period), "summary": summary,
            **{name: {k: v for k, v in part.items() if k not in ENVELOPE} for name, part in parts.items()}}
    tables = [("summary", ["figure", "value"], [[k, v] for k, v in summary.items()])]
    return Report("monthly", data, tables)
