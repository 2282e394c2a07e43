"""The churn report: customers with no visit in 6 months (流失客户) as of the end of the period, the monthly
trend, and why the customers called in win-back calls said they left."""
from __future__ import annotations

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader
from reporting.domain.report import Chart, Report
from reporting.service_layer.periods import EPOCH, LOST_AFTER_DAYS, Period, lost_by_month, rate
from reporting.service_layer.reports.common import envelope, lost_as_of


def churn(session: Session, period: Period) -> Report:
    """Customers with no visit in 6 months as of the end of the period, the monthly trend, win-back reasons."""
    visited = tally_reader.totals(session, "last_visit", EPOCH, period.end, period.stores, by=("key1",))
    customers = {row["key1"]: row["count"] for row in visited}
    lost = {kind: lost_as_of(session, period, kind) for kind in customers}
    trend = lost_by_month(session, period)
    reasons = tally_reader.totals(session, "winback", period.start, period.end, period.stores, by=("key1",))
    reason_items = sorted(({"reason": r["key1"], "count": r["count"]} for r in reasons),
                          key=lambda r: (-r["count"], r["reason"]))
    total = sum(customers.values())
    data = {**envelope(session, "churn", period), "as_of": period.end.isoformat(),
            "lost_after_days": LOST_AFTER_DAYS,
            "totals": {"customers": total, "lost": sum(lost.values()), "churn_rate": rate(sum(lost.values()), total)},
            "by_kind": [{"kind": kind, "customers": customers[kind], "lost": lost[kind],
                         "churn_rate": rate(lost[kind], customers[kind])} for kind in sorted(customers)],
            "trend": [{"month": month, "lost": count} for month, count in trend.items()],
            "winback_reasons": reason_items}
    tables = [("trend", ["month", "lost"], [[m, c] for m, c in trend.items()]),
              ("winback_reasons", ["reason", "count"], [[r["reason"], r["count"]] for r in reason_items])]
    chart = Chart("Customers lost per month (no visit in 6 months)", "line", list(trend),
                  {"lost": list(trend.values())})
    return Report("churn", data, tables, chart)
