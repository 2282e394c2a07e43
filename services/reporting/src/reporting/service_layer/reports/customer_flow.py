"""The customer flow report (客户增减 and 分布, [002]): customers gained and lost per month, and where they are."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader
from reporting.domain.report import Chart, Report
from reporting.service_layer.periods import EPOCH, Period, lost_by_month, series
from reporting.service_layer.reports.common import envelope


def customer_flow(session: Session, period: Period) -> Report:
    """New and lost customers per month, the net change, and where the customers are (客户增减, 分布) [002]."""
    by_month = _by_month(session, period)
    regions = _distribution(session, period)
    data = {**envelope(session, "customer-flow", period),
            "totals": {"customers": sum(r["total"] for r in regions), "new": sum(m["new"] for m in by_month),
                       "lost": sum(m["lost"] for m in by_month)},
            "by_month": by_month, "distribution": regions}
    tables = [("by_month", ["month", "new", "new_prospects", "new_owners", "lost", "net"],
               [[m["month"], m["new"], m["new_prospects"], m["new_owners"], m["lost"], m["net"]] for m in by_month]),
              ("distribution", ["region", "prospects", "owners", "total"],
               [[r["region"], r["prospects"], r["owners"], r["total"]] for r in regions])]
    chart = Chart("Customers gained and lost per month", "line", [m["month"] for m in by_month],
                  {"new": [m["new"] for m in by_month], "lost": [m["lost"] for m in by_month],
                   "net": [m["net"] for m in by_month]})
    return Report("customer-flow", data, tables, chart)


def _by_month(session: Session, period: Period) -> list[dict[str, Any]]:
    new = series(session, "customers", period, by_key="key1")
    lost = lost_by_month(session, period)
    by_month = []
    for month, kinds in new.items():
        gained = sum(v[0] for v in kinds.values())
        by_month.append({"month": month, "new": gained, "new_prospects": kinds.get("prospect", [0])[0],
                         "new_owners": kinds.get("owner", [0])[0], "lost": lost.get(month, 0),
                         "net": gained - lost.get(month, 0)})
    return by_month


def _distribution(session: Session, period: Period) -> list[dict[str, Any]]:
    """Prospects and owners per region at the end of the period, the most populous first."""
    distribution: dict[str, Counter[str]] = defaultdict(Counter)
    for row in tally_reader.totals(session, "customers", EPOCH, period.end, period.stores):
        distribution[row["key2"]][row["key1"]] += row["count"]
    regions: list[dict[str, Any]] = [{"region": region, "prospects": kinds["prospect"], "owners": kinds["owner"],
                "total": sum(kinds.values())} for region, kinds in distribution.items()]
    regions.sort(key=lambda r: (-r["total"], r["region"]))
    return regions
