"""The prospects report (A卡, [000]): prospects by the month of their first visit, by each dimension, with how
many became owners (converted).

Read from the `prospects` tallies: each prospect counts once per dimension (source, consultant, wanted model,
region, purchase type, intent grade) on the day it was created, its amount 1 once it is an owner
(reporting.domain.contributions.customer_contribution).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader
from reporting.domain import contributions as contrib
from reporting.domain.report import Chart, Report
from reporting.service_layer.periods import Period, rate, series
from reporting.service_layer.reports.common import by_dimension, dimension_rows, envelope


def prospects(session: Session, period: Period) -> Report:
    """Prospects who first visited in the period: counts and conversion by each dimension and by month [000]."""
    rows = tally_reader.totals(session, "prospects", period.start, period.end, period.stores)
    dimensions = by_dimension(rows, contrib.PROSPECT_DIMENSIONS, "converted")
    for items in dimensions.values():
        for item in items:
            item["conversion_rate"] = rate(item["converted"], item["count"])
    by_month = _by_month(session, period)
    total = sum(item["count"] for item in dimensions["source"])
    converted = sum(item["converted"] for item in dimensions["source"])
    data = {**envelope(session, "prospects", period),
            "totals": {"prospects": total, "converted": converted, "conversion_rate": rate(converted, total)},
            "by_dimension": dimensions, "by_month": by_month}
    tables = [("by_dimension", ["dimension", "value", "prospects", "converted", "conversion_rate"],
               dimension_rows(dimensions, "count", "converted", "conversion_rate")),
              ("by_month", ["month", "prospects", "converted", "conversion_rate"],
               [[m["month"], m["prospects"], m["converted"], m["conversion_rate"]] for m in by_month])]
    chart = Chart("Prospects and conversions by month of first visit", "bar", [m["month"] for m in by_month],
                  {"prospects": [m["prospects"] for m in by_month], "converted": [m["converted"] for m in by_month]})
    return Report("prospects", data, tables, chart)


def _by_month(session: Session, period: Period) -> list[dict[str, Any]]:
    """Prospects and conversions per month of first visit (each prospect counted once: by its source)."""
    monthly = series(session, "prospects", period, key1="source")
    by_month = [{"month": month, "prospects": sum(v[0] for v in keys.values()),
                 "converted": sum(v[1] for v in keys.values())} for month, keys in monthly.items()]
    for item in by_month:
        item["conversion_rate"] = rate(item["converted"], item["prospects"])
    return by_month
