"""The owners report (C卡, [000]): owners at the end of the period by dimension, owners in and out per month,
retention and repeat buyers."""
from __future__ import annotations

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader
from reporting.domain import contributions as contrib
from reporting.domain.report import Chart, Report
from reporting.service_layer.periods import EPOCH, Period, lost_by_month, rate, series
from reporting.service_layer.reports.common import by_dimension, dimension_rows, envelope, lost_as_of


def owners(session: Session, period: Period) -> Report:
    """Owners at the end of the period by dimension; owners in and out per month; loyalty [000]."""
    stock_rows = tally_reader.totals(session, "owners", EPOCH, period.end, period.stores)
    dimensions = by_dimension(stock_rows, contrib.OWNER_DIMENSIONS)
    stock = sum(item["count"] for item in dimensions["region"])
    flow_in = series(session, "owners", period, key1="region")
    flow_out = lost_by_month(session, period, kind="owner")
    lost = lost_as_of(session, period, "owner")
    repeat = sum(item["count"] for item in dimensions["vehicles"] if item["value"] == "2+")
    by_month = [{"month": month, "in": sum(v[0] for v in keys.values()), "out": flow_out.get(month, 0)}
                for month, keys in flow_in.items()]
    data = {**envelope(session, "owners", period),
            "totals": {"owners": stock, "lost": lost, "retention_rate": rate(stock - lost, stock),
                       "repeat_buyers": repeat, "repeat_rate": rate(repeat, stock)},
            "by_dimension": dimensions, "by_month": by_month}
    tables = [("by_dimension", ["dimension", "value", "owners"], dimension_rows(dimensions, "count")),
              ("by_month", ["month", "in", "out"], [[m["month"], m["in"], m["out"]] for m in by_month])]
    chart = Chart("Owners in and out per month", "bar", [m["month"] for m in by_month],
                  {"in": [m["in"] for m in by_month], "out": [m["out"] for m in by_month]})
    return Report("owners", data, tables, chart)
