"""The complaint analysis (投诉分析表, [002]) of a period in one call: volume by dimension, status, SLA
attainment, time to resolve, reopen rate, satisfaction after the callbacks, and the monthly trend."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader
from reporting.domain import contributions as contrib
from reporting.domain.report import Chart, Report
from reporting.service_layer.periods import Period, rate, series
from reporting.service_layer.reports.common import by_dimension, dimension_rows, envelope


def complaints(session: Session, period: Period) -> Report:
    """The monthly complaint analysis (投诉分析表) in one call: volume by dimension, SLA, time to resolve,
    reopen rate, satisfaction after the callbacks [002]."""
    rows = tally_reader.totals(session, "complaints", period.start, period.end, period.stores)
    dimensions = by_dimension(rows, contrib.COMPLAINT_DIMENSIONS)
    total = sum(item["count"] for item in dimensions["category"])
    remedy = sum(row["amount"] for row in rows if row["key1"] == "category")
    by_status, reopened = _statuses(session, period)
    sla_items = _sla(session, period)
    hours = {int(row["key1"]): row["count"] for row in tally_reader.totals(
        session, "complaint_hours", period.start, period.end, period.stores, by=("key1",))}
    by_month = _by_month(session, period)
    data = {**envelope(session, "complaints", period),
            "totals": {"complaints": total, "resolved": sum(hours.values()), "reopened": reopened,
                       "reopen_rate": rate(reopened, total), "remedy_cost": f"{remedy / 100:.2f}"},
            "by_dimension": dimensions, "by_status": dict(sorted(by_status.items())), "sla": sla_items,
            "time_to_resolve_working_hours": {
                "resolved": sum(hours.values()),
                "median": contrib.percentile_from_histogram(hours, 0.5),
                "p90": contrib.percentile_from_histogram(hours, 0.9)},
            "satisfaction_after_callback": _satisfaction(session, period),
            "by_month": by_month}
    tables = [("by_dimension", ["dimension", "value", "complaints"], dimension_rows(dimensions, "count")),
              ("sla", ["target", "met", "breached", "open", "attainment"],
               [[s["target"], s["met"], s["breached"], s["open"], s["attainment"]] for s in sla_items]),
              ("by_month", ["month", "complaints"], [[m["month"], m["complaints"]] for m in by_month])]
    categories = [item["value"] for item in dimensions["category"]]
    chart = Chart("Complaints per month by category", "bar", [m["month"] for m in by_month],
                  {cat: [m.get(cat, 0) for m in by_month] for cat in categories})
    return Report("complaints", data, tables, chart)


def _statuses(session: Session, period: Period) -> tuple[Counter[str], int]:
    """(complaints by status now, complaints reopened) of the complaints filed in the period."""
    by_status: Counter[str] = Counter()
    reopened = 0
    for row in tally_reader.totals(session, "complaint_status", period.start, period.end, period.stores):
        by_status[row["key1"]] += row["count"]
        reopened += row["count"] if row["key2"] == "reopened" else 0
    return by_status, reopened


def _sla(session: Session, period: Period) -> list[dict[str, Any]]:
    """Per SLA target: met, breached, open, and the share met of those decided."""
    sla: dict[str, Counter] = defaultdict(Counter)
    for row in tally_reader.totals(session, "complaint_sla", period.start, period.end, period.stores):
        sla[row["key1"]][row["key2"]] += row["count"]
    return [{"target": target, "met": c["met"], "breached": c["breached"], "open": c["open"],
             "attainment": rate(c["met"], c["met"] + c["breached"])} for target, c in sorted(sla.items())]


def _satisfaction(session: Session, period: Period) -> dict[str, Any]:
    """How satisfied the complainants said they were when called back."""
    satisfaction = {row["key1"]: row for row in tally_reader.totals(
        session, "complaint_satisfaction", period.start, period.end, period.stores, by=("key1",))}
    rated = sum(row["count"] for row in satisfaction.values())
    satisfied = sum(satisfaction[level]["count"] for level in ("satisfied", "very_satisfied") if level in satisfaction)
    return {"rated": rated, "satisfied": satisfied, "satisfaction_rate": rate(satisfied, rated),
            "mean_score": round(sum(r["amount"] for r in satisfaction.values()) / rated, 2) if rated else None,
            "by_level": {level: satisfaction[level]["count"] for level in contrib.SATISFACTION_SCORE
                         if level in satisfaction}}


def _by_month(session: Session, period: Period) -> list[dict[str, Any]]:
    """Complaints per month, in all and per category."""
    monthly = series(session, "complaints", period, key1="category", by_key="key2")
    return [{"month": month, "complaints": sum(v[0] for v in cats.values()),
             **{cat: v[0] for cat, v in sorted(cats.items())}} for month, cats in monthly.items()]
