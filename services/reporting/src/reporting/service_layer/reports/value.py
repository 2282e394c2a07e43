"""The value report (客户价值分析): customers in RFM segments as of the end of the period — recency of their last
visit, frequency of visits, spend (reporting.domain.contributions scores them). The customers of one segment,
page by page: reporting.service_layer.reports.segment_members."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader
from reporting.domain import rfm
from reporting.domain.report import Chart, Report
from reporting.service_layer.periods import EPOCH, Period, rate
from reporting.service_layer.reports.common import envelope

#: (R score, nearest day back, furthest day back; None: any earlier) of each recency band.
RECENCY_BANDS = ((5, 0, 30), (4, 31, 90), (3, 91, 180), (2, 181, 365), (1, 366, None))
Cell = tuple[int, int, int]


def rfm_counts(session: Session, period: Period) -> Counter[Cell]:
    """{(r, f, m): customers} as of the end of the period (recency counted back from it)."""
    return _rfm(session, period)[0]


def _rfm(session: Session, period: Period) -> tuple[Counter[Cell], Counter[Cell]]:
    """({(r, f, m): customers}, {(r, f, m): spend in fen}): one read per recency band."""
    counts: Counter[Cell] = Counter()
    spend: Counter[Cell] = Counter()
    for score, near, far in RECENCY_BANDS:
        high = period.end - timedelta(days=near)
        low = EPOCH if far is None else period.end - timedelta(days=far)
        for row in tally_reader.totals(session, "rfm", low, high, period.stores):
            cell = (score, int(row["key1"]), int(row["key2"]))
            counts[cell] += row["count"]
            spend[cell] += row["amount"]
    return counts, spend


def value(session: Session, period: Period) -> Report:
    """RFM segments (客户价值分析): recency of visit, frequency of visits, spend; customers per segment."""
    counts, spend_of = _rfm(session, period)
    segments: Counter[str] = Counter()
    spend: Counter[str] = Counter()
    for (r, f, m), count in counts.items():
        segments[rfm.segment_of(r, f, m)] += count
        spend[rfm.segment_of(r, f, m)] += spend_of[r, f, m]
    total = sum(counts.values())
    items: list[dict[str, Any]] = [
        {"segment": name, "label": label, "customers": segments[name],
         "share": rate(segments[name], total), "spend": f"{spend[name] / 100:.2f}"}
        for name, label, _ in rfm.SEGMENTS]
    data = {**envelope(session, "value", period), "as_of": period.end.isoformat(),
            "scores": {"recency_days": [[s, n, f] for s, n, f in RECENCY_BANDS],
                       "frequency": "visits: 1, 2, 3-4, 5-7, 8+", "monetary": "CNY: <1k, <3k, <8k, <20k, more"},
            "totals": {"customers": total}, "segments": items}
    tables = [("segments", ["segment", "label", "customers", "share", "spend"],
               [[i["segment"], i["label"], i["customers"], i["share"], i["spend"]] for i in items])]
    chart = Chart("Customers by RFM segment", "bar", [i["segment"] for i in items],
                  {"customers": [i["customers"] for i in items]})
    return Report("value", data, tables, chart)
