"""The reports, each a few reads of the pre-aggregated tallies (PRODUCT.md 2.4, seeds [000]–[003]).

A report is JSON-ready data, the same figures as flat tables (for CSV) and, where people would rather
look than read, a chart. Every report says how fresh the read model is.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from reporting.adapters import tallies
from reporting.domain import contributions as contrib
from reporting.domain.shapes import Chart, Report
from reporting.service_layer.periods import (
    EPOCH,
    LOST_AFTER_DAYS,
    Period,
    grouped,
    lost_by_month,
    rate,
    series,
)
from sqlalchemy.orm import Session

ENVELOPE = ("report", "from", "to", "store", "stores", "freshness")


def _envelope(session: Session, name: str, period: Period) -> dict[str, Any]:
    return {"report": name, **period.describe(), "freshness": tallies.read_freshness(session)}


def _by_dimension(rows: list[dict], dimensions: tuple[str, ...], amount_name: str | None = None) -> dict:
    by = grouped(rows)
    result = {}
    for dimension in dimensions:
        items = sorted(by.get(dimension, []), key=lambda row: (-row["count"], row["key2"]))
        result[dimension] = [{"value": row["key2"], "count": row["count"],
                              **({amount_name: row["amount"]} if amount_name else {})} for row in items]
    return result


# --- A卡: prospects --------------------------------------------------------------------------------------
def prospects(session: Session, period: Period) -> Report:
    """Prospects who first visited in the period: counts and conversion by each dimension and by month [000]."""
    rows = tallies.totals(session, "prospects", period.start, period.end, period.stores)
    dimensions = _by_dimension(rows, contrib.PROSPECT_DIMENSIONS, "converted")
    for items in dimensions.values():
        for item in items:
            item["conversion_rate"] = rate(item["converted"], item["count"])
    monthly = series(session, "prospects", period, key1="source")
    by_month = [{"month": month, "prospects": sum(v[0] for v in keys.values()),
                 "converted": sum(v[1] for v in keys.values())} for month, keys in monthly.items()]
    for item in by_month:
        item["conversion_rate"] = rate(item["converted"], item["prospects"])
    total = sum(item["count"] for item in dimensions["source"])
    converted = sum(item["converted"] for item in dimensions["source"])
    data = {**_envelope(session, "prospects", period),
            "totals": {"prospects": total, "converted": converted, "conversion_rate": rate(converted, total)},
            "by_dimension": dimensions, "by_month": by_month}
    tables = [("by_dimension", ["dimension", "value", "prospects", "converted", "conversion_rate"],
               [[d, i["value"], i["count"], i["converted"], i["conversion_rate"]]
                for d, items in dimensions.items() for i in items]),
              ("by_month", ["month", "prospects", "converted", "conversion_rate"],
               [[m["month"], m["prospects"], m["converted"], m["conversion_rate"]] for m in by_month])]
    chart = Chart("Prospects and conversions by month of first visit", "bar", [m["month"] for m in by_month],
                  {"prospects": [m["prospects"] for m in by_month], "converted": [m["converted"] for m in by_month]})
    return Report("prospects", data, tables, chart)


# --- C卡: owners ---------------------------------------------------------------------------------------------
def owners(session: Session, period: Period) -> Report:
    """Owners at the end of the period by dimension; owners in and out per month; loyalty [000]."""
    stock_rows = tallies.totals(session, "owners", EPOCH, period.end, period.stores)
    dimensions = _by_dimension(stock_rows, contrib.OWNER_DIMENSIONS)
    stock = sum(item["count"] for item in dimensions["region"])
    flow_in = series(session, "owners", period, key1="region")
    flow_out = lost_by_month(session, period, kind="owner")
    lost = _lost_as_of(session, period, "owner")
    repeat = sum(item["count"] for item in dimensions["vehicles"] if item["value"] == "2+")
    by_month = [{"month": month, "in": sum(v[0] for v in keys.values()), "out": flow_out.get(month, 0)}
                for month, keys in flow_in.items()]
    data = {**_envelope(session, "owners", period),
            "totals": {"owners": stock, "lost": lost, "retention_rate": rate(stock - lost, stock),
                       "repeat_buyers": repeat, "repeat_rate": rate(repeat, stock)},
            "by_dimension": dimensions, "by_month": by_month}
    tables = [("by_dimension", ["dimension", "value", "owners"],
               [[d, i["value"], i["count"]] for d, items in dimensions.items() for i in items]),
              ("by_month", ["month", "in", "out"], [[m["month"], m["in"], m["out"]] for m in by_month])]
    chart = Chart("Owners in and out per month", "bar", [m["month"] for m in by_month],
                  {"in": [m["in"] for m in by_month], "out": [m["out"] for m in by_month]})
    return Report("owners", data, tables, chart)


def _lost_as_of(session: Session, period: Period, kind: str | None = None) -> int:
    cutoff = period.end - timedelta(days=LOST_AFTER_DAYS)
    rows = tallies.totals(session, "last_visit", EPOCH, cutoff, period.stores, by=("key1",))
    return sum(row["count"] for row in rows if kind is None or row["key1"] == kind)


# --- 客户增减 and distribution --------------------------------------------------------------------------------
def customer_flow(session: Session, period: Period) -> Report:
    """New and lost customers per month, the net change, and where the customers are (客户增减, 分布) [002]."""
    new = series(session, "customers", period, by_key="key1")
    lost = lost_by_month(session, period)
    by_month = []
    for month, kinds in new.items():
        gained = sum(v[0] for v in kinds.values())
        by_month.append({"month": month, "new": gained, "new_prospects": kinds.get("prospect", [0])[0],
                         "new_owners": kinds.get("owner", [0])[0], "lost": lost.get(month, 0),
                         "net": gained - lost.get(month, 0)})
    stock = tallies.totals(session, "customers", EPOCH, period.end, period.stores)
    distribution: dict[str, Counter] = defaultdict(Counter)
    for row in stock:
        distribution[row["key2"]][row["key1"]] += row["count"]
    regions = [{"region": region, "prospects": kinds["prospect"], "owners": kinds["owner"],
                "total": sum(kinds.values())} for region, kinds in distribution.items()]
    regions.sort(key=lambda r: (-r["total"], r["region"]))
    data = {**_envelope(session, "customer-flow", period),
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


# --- churn ------------------------------------------------------------------------------------------------------
def churn(session: Session, period: Period) -> Report:
    """Customers with no visit in 6 months as of the end of the period, the monthly trend, win-back reasons."""
    visited = tallies.totals(session, "last_visit", EPOCH, period.end, period.stores, by=("key1",))
    customers = {row["key1"]: row["count"] for row in visited}
    lost = {kind: _lost_as_of(session, period, kind) for kind in customers}
    trend = lost_by_month(session, period)
    reasons = tallies.totals(session, "winback", period.start, period.end, period.stores, by=("key1",))
    reason_items = sorted(({"reason": r["key1"], "count": r["count"]} for r in reasons),
                          key=lambda r: (-r["count"], r["reason"]))
    total = sum(customers.values())
    data = {**_envelope(session, "churn", period), "as_of": period.end.isoformat(),
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


# --- value: RFM -------------------------------------------------------------------------------------------------
RECENCY_BANDS = ((5, 0, 30), (4, 31, 90), (3, 91, 180), (2, 181, 365), (1, 366, None))


def rfm_counts(session: Session, period: Period) -> Counter[tuple[int, int, int]]:
    """{(r, f, m): customers} as of the end of the period (recency counted back from it)."""
    return _rfm(session, period)[0]


def _rfm(session: Session, period: Period) -> tuple[Counter[tuple[int, int, int]], Counter[tuple[int, int, int]]]:
    """({(r, f, m): customers}, {(r, f, m): spend in fen}): one read per recency band."""
    counts: Counter[tuple[int, int, int]] = Counter()
    spend: Counter[tuple[int, int, int]] = Counter()
    for score, near, far in RECENCY_BANDS:
        high = period.end - timedelta(days=near)
        low = EPOCH if far is None else period.end - timedelta(days=far)
        for row in tallies.totals(session, "rfm", low, high, period.stores):
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
        segments[contrib.segment_of(r, f, m)] += count
        spend[contrib.segment_of(r, f, m)] += spend_of[r, f, m]
    total = sum(counts.values())
    items = [{"segment": name, "label": label, "customers": segments[name],
              "share": rate(segments[name], total), "spend": f"{spend[name] / 100:.2f}"}
             for name, label, _ in contrib.SEGMENTS]
    data = {**_envelope(session, "value", period), "as_of": period.end.isoformat(),
            "scores": {"recency_days": [[s, n, f] for s, n, f in RECENCY_BANDS],
                       "frequency": "visits: 1, 2, 3-4, 5-7, 8+", "monetary": "CNY: <1k, <3k, <8k, <20k, more"},
            "totals": {"customers": total}, "segments": items}
    tables = [("segments", ["segment", "label", "customers", "share", "spend"],
               [[i["segment"], i["label"], i["customers"], i["share"], i["spend"]] for i in items])]
    chart = Chart("Customers by RFM segment", "bar", [i["segment"] for i in items],
                  {"customers": [i["customers"] for i in items]})
    return Report("value", data, tables, chart)


# --- complaints -------------------------------------------------------------------------------------------------
def complaints(session: Session, period: Period) -> Report:
    """The monthly complaint analysis (投诉分析表) in one call: volume by dimension, SLA, time to resolve,
    reopen rate, satisfaction after the callbacks [002]."""
    rows = tallies.totals(session, "complaints", period.start, period.end, period.stores)
    dimensions = _by_dimension(rows, contrib.COMPLAINT_DIMENSIONS)
    total = sum(item["count"] for item in dimensions["category"])
    remedy = sum(row["amount"] for row in rows if row["key1"] == "category")
    statuses = tallies.totals(session, "complaint_status", period.start, period.end, period.stores)
    by_status: Counter[str] = Counter()
    reopened = 0
    for row in statuses:
        by_status[row["key1"]] += row["count"]
        reopened += row["count"] if row["key2"] == "reopened" else 0
    sla: dict[str, Counter] = defaultdict(Counter)
    for row in tallies.totals(session, "complaint_sla", period.start, period.end, period.stores):
        sla[row["key1"]][row["key2"]] += row["count"]
    sla_items = [{"target": target, "met": c["met"], "breached": c["breached"], "open": c["open"],
                  "attainment": rate(c["met"], c["met"] + c["breached"])} for target, c in sorted(sla.items())]
    hours = {int(row["key1"]): row["count"] for row in tallies.totals(
        session, "complaint_hours", period.start, period.end, period.stores, by=("key1",))}
    satisfaction = {row["key1"]: row for row in tallies.totals(
        session, "complaint_satisfaction", period.start, period.end, period.stores, by=("key1",))}
    rated = sum(row["count"] for row in satisfaction.values())
    satisfied = sum(satisfaction[level]["count"] for level in ("satisfied", "very_satisfied") if level in satisfaction)
    monthly = series(session, "complaints", period, key1="category", by_key="key2")
    by_month = [{"month": month, "complaints": sum(v[0] for v in cats.values()),
                 **{cat: v[0] for cat, v in sorted(cats.items())}} for month, cats in monthly.items()]
    data = {**_envelope(session, "complaints", period),
            "totals": {"complaints": total, "resolved": sum(hours.values()), "reopened": reopened,
                       "reopen_rate": rate(reopened, total), "remedy_cost": f"{remedy / 100:.2f}"},
            "by_dimension": dimensions, "by_status": dict(sorted(by_status.items())), "sla": sla_items,
            "time_to_resolve_working_hours": {
                "resolved": sum(hours.values()),
                "median": contrib.percentile_from_histogram(hours, 0.5),
                "p90": contrib.percentile_from_histogram(hours, 0.9)},
            "satisfaction_after_callback": {
                "rated": rated, "satisfied": satisfied, "satisfaction_rate": rate(satisfied, rated),
                "mean_score": round(sum(r["amount"] for r in satisfaction.values()) / rated, 2) if rated else None,
                "by_level": {level: satisfaction[level]["count"] for level in contrib.SATISFACTION_SCORE
                             if level in satisfaction}},
            "by_month": by_month}
    tables = [("by_dimension", ["dimension", "value", "complaints"],
               [[d, i["value"], i["count"]] for d, items in dimensions.items() for i in items]),
              ("sla", ["target", "met", "breached", "open", "attainment"],
               [[s["target"], s["met"], s["breached"], s["open"], s["attainment"]] for s in sla_items]),
              ("by_month", ["month", "complaints"], [[m["month"], m["complaints"]] for m in by_month])]
    categories = [item["value"] for item in dimensions["category"]]
    chart = Chart("Complaints per month by category", "bar", [m["month"] for m in by_month],
                  {cat: [m.get(cat, 0) for m in by_month] for cat in categories})
    return Report("complaints", data, tables, chart)


# --- callbacks, first maintenance, appointments, reminders -------------------------------------------------------
CONVERTING_OUTCOMES = ("booked", "won_back")


def callbacks(session: Session, period: Period) -> Report:
    """Satisfaction of callbacks weekly and monthly; first-maintenance rate (target ≥ 90%) [001];
    appointment booking and show-up rates; reminder conversion."""
    def satisfaction_series(bucket: str) -> list[dict]:
        result = []
        for label, levels in series(session, "callback_satisfaction", period, bucket, by_key="key1").items():
            count = sum(v[0] for v in levels.values())
            good = sum(levels.get(level, [0])[0] for level in ("satisfied", "very_satisfied"))
            result.append({bucket: label, "callbacks": count, "satisfied": good, "satisfaction_rate": rate(good, count),
                           "mean_score": round(sum(v[1] for v in levels.values()) / count, 2) if count else None})
        return result

    weekly, monthly = satisfaction_series("week"), satisfaction_series("month")
    due_by = min(period.end, period.end - timedelta(days=92))  # first maintenance is due 3 months after delivery
    deliveries = tallies.totals(session, "deliveries", period.start, due_by, period.stores, by=("key1",)) \
        if due_by >= period.start else []
    delivered = sum(row["count"] for row in deliveries)
    serviced = sum(row["amount"] for row in deliveries)
    reminders = tallies.totals(session, "reminders", period.start, period.end, period.stores)
    by_rule: dict[str, Counter] = defaultdict(Counter)
    for row in reminders:
        by_rule[row["key1"]][row["key2"]] += row["count"]
    sent = sum(c["sent"] + c["completed"] for c in by_rule.values())
    converted: Counter[str] = Counter()  # reminders that ended in a booking or a customer won back
    for row in tallies.totals(session, "reminder_outcome", period.start, period.end, period.stores):
        if row["key2"] in CONVERTING_OUTCOMES:
            converted[row["key1"]] += row["count"]
    # Booked (预约成功) as PRODUCT.md 2.3 has it, "a reminder can end in a booked appointment", and as the
    # reminder service's KPIs count it: appointments booked from a reminder and not cancelled, counted on
    # that reminder's due day; kept and no-show of those likewise.
    from_reminders = Counter()
    for row in tallies.totals(session, "reminder_bookings", period.start, period.end, period.stores, by=("key1",)):
        from_reminders[row["key1"]] += row["count"]
    booked = sum(count for status, count in from_reminders.items() if status != "cancelled")
    appointments = Counter()  # every appointment, on the day it was booked
    for row in tallies.totals(session, "appointments", period.start, period.end, period.stores, by=("key1",)):
        appointments[row["key1"]] += row["count"]
    data = {**_envelope(session, "callbacks", period),
            "satisfaction": {"weekly": weekly, "monthly": monthly},
            "first_maintenance": {"delivered_due": delivered, "serviced": serviced,
                                  "rate": rate(serviced, delivered), "target": 0.9,
                                  "deliveries_until": due_by.isoformat()},
            "appointments": {"reminders_sent": sent, "booked": booked, "booking_rate": rate(booked, sent),
                             "kept": from_reminders["kept"], "no_show": from_reminders["no_show"],
                             "show_up_rate": rate(from_reminders["kept"],
                                                  from_reminders["kept"] + from_reminders["no_show"]),
                             "target_booking_rate": 0.5,
                             "all_booked": {"booked": sum(c for k, c in appointments.items() if k != "cancelled"),
                                            "kept": appointments["kept"], "no_show": appointments["no_show"],
                                            "cancelled": appointments["cancelled"]}},
            "reminders": [{"rule": rule, "due": sum(c.values()), "completed": c["completed"],
                           "converted": converted[rule], "conversion_rate": rate(converted[rule], sum(c.values()))}
                          for rule, c in sorted(by_rule.items())]}
    tables = [("weekly", ["week", "callbacks", "satisfied", "satisfaction_rate", "mean_score"],
               [[w["week"], w["callbacks"], w["satisfied"], w["satisfaction_rate"], w["mean_score"]] for w in weekly]),
              ("monthly", ["month", "callbacks", "satisfied", "satisfaction_rate", "mean_score"],
               [[m["month"], m["callbacks"], m["satisfied"], m["satisfaction_rate"], m["mean_score"]]
                for m in monthly]),
              ("rates", ["figure", "value"],
               [["first_maintenance_rate", data["first_maintenance"]["rate"]],
                ["booking_rate", data["appointments"]["booking_rate"]],
                ["show_up_rate", data["appointments"]["show_up_rate"]]])]
    chart = Chart("Callback satisfaction rate per week", "line", [w["week"] for w in weekly],
                  {"satisfaction_rate": [w["satisfaction_rate"] for w in weekly]})  # None: no callback that week
    return Report("callbacks", data, tables, chart)


# --- staff -------------------------------------------------------------------------------------------------------
def staff(session: Session, period: Period) -> Report:
    """Per consultant (prospects, conversions, visits, complaints, survey) and per technician (services,
    complaints, survey)."""
    people: dict[str, dict[str, Any]] = defaultdict(lambda: {"prospects": 0, "converted": 0, "visits": {},
                                                            "revenue_fen": 0, "complaints": 0, "survey": {}})
    for row in tallies.totals(session, "prospects", period.start, period.end, period.stores):
        if row["key1"] == "consultant":
            people[row["key2"]]["prospects"] += row["count"]
            people[row["key2"]]["converted"] += row["amount"]
    for row in tallies.totals(session, "visits", period.start, period.end, period.stores):
        person = people[row["key2"]]
        person["visits"][row["key1"]] = person["visits"].get(row["key1"], 0) + row["count"]
        person["revenue_fen"] += row["amount"]
    for row in tallies.totals(session, "complaint_staff", period.start, period.end, period.stores, by=("key1",)):
        people[row["key1"]]["complaints"] += row["count"]
    for row in tallies.totals(session, "survey", period.start, period.end, period.stores):
        people[row["key1"]]["survey"][row["key2"]] = round(row["amount"] / row["count"], 2)
    people.pop(contrib.UNKNOWN, None)

    def card(name: str) -> dict[str, Any]:
        p = people[name]
        return {"staff": name, "prospects": p["prospects"], "converted": p["converted"],
                "conversion_rate": rate(p["converted"], p["prospects"]), "visits": dict(sorted(p["visits"].items())),
                "revenue": f"{p['revenue_fen'] / 100:.2f}", "complaints": p["complaints"], "survey": p["survey"]}

    consultants = sorted(name for name, p in people.items() if p["prospects"])
    # technicians and advisers: whoever serviced, was assigned complaints or was rated, and sold nothing
    technicians = sorted(name for name, p in people.items() if not p["prospects"] and (
        p["visits"].get("service") or p["complaints"] or p["survey"]))
    data = {**_envelope(session, "staff", period), "survey_scale": "1 (very unsatisfied) to 4 (very satisfied)",
            "consultants": [card(name) for name in consultants], "technicians": [card(name) for name in technicians]}
    tables = [(role, ["staff", "prospects", "converted", "conversion_rate", "visits", "services", "revenue",
                      "complaints", "survey_attitude", "survey_skill", "survey_timeliness", "survey_promise_kept"],
               [[c["staff"], c["prospects"], c["converted"], c["conversion_rate"], sum(c["visits"].values()),
                 c["visits"].get("service", 0), c["revenue"], c["complaints"],
                 *(c["survey"].get(item) for item in ("attitude", "skill", "timeliness", "promise_kept"))]
                for c in data[role]]) for role in ("consultants", "technicians")]
    return Report("staff", data, tables)


# --- the monthly summary ------------------------------------------------------------------------------------------
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
    data = {**_envelope(session, "monthly", period), "summary": summary,
            **{name: {k: v for k, v in part.items() if k not in ENVELOPE} for name, part in parts.items()}}
    tables = [("summary", ["figure", "value"], [[k, v] for k, v in summary.items()])]
    return Report("monthly", data, tables)


REPORTS = {"prospects": prospects, "owners": owners, "customer-flow": customer_flow, "churn": churn,
           "value": value, "complaints": complaints, "callbacks": callbacks, "staff": staff, "monthly": monthly}


def month_period(month: date, stores: tuple[str, ...] | None) -> Period:
    """The whole calendar month of `month`."""
    start = month.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Period(start, end, stores)


def segment_customers(session: Session, period: Period, segment: str, page: int, page_size: int,
                      total: int | None = None, after: str | None = None) -> dict[str, Any]:
    """The customers of one RFM segment as of the end of the period, most recent visit first (a page).

    `after` (the `next` of the page before: last visit day and id of its last customer) reads on from there
    (keyset pagination: as cheap on page 1,000 as on page 1); without it, `page` counts pages from the top.
    A segment is a set of (recency band, F, M) cells; each cell is one range of the customers' index on
    (fm, last_visit_day, id), read newest first for at most a page, and a band's cells are merged in one
    query; bands are read newest first until the page is full. So a page reads at most a page per cell
    whatever the size of the segment. `total` is the segment's size when the caller knows it.
    """
    from reporting.adapters.tables import customers as table
    from sqlalchemy import literal_column, select, tuple_, union_all

    cursor = _cursor(after) if after else None
    skip = 0 if cursor else (page - 1) * page_size
    columns = (table.c.id, table.c.name, table.c.phone, table.c.kind, table.c.store_id, table.c.last_visit_day,
               table.c.visit_count, table.c.spend_fen)
    needed, found = skip + page_size, []
    for score, near, far in RECENCY_BANDS:  # newest band first: once a page is found, older ones are not read
        low, high = EPOCH if far is None else period.end - timedelta(days=far), period.end - timedelta(days=near)
        if cursor is not None and cursor[0] < low:
            continue
        cells = []
        for f in range(1, 6):
            for m in range(1, 6):
                if contrib.segment_of(score, f, m) != segment:
                    continue
                query = select(*columns).where(table.c.fm == f * 10 + m, table.c.last_visit_day.between(low, high),
                                               table.c.merged_into.is_(None))
                if period.stores is not None:
                    query = query.where(table.c.store_id.in_(period.stores))
                if cursor is not None:
                    query = query.where(tuple_(table.c.last_visit_day, table.c.id) < tuple_(*cursor))
                cells.append(select(query.order_by(table.c.last_visit_day.desc(), table.c.id.desc())
                                    .limit(needed - len(found)).subquery()))
        if not cells:
            continue
        merged = union_all(*cells).subquery()
        found += session.execute(select(merged).order_by(literal_column("last_visit_day").desc(),
                                                         literal_column("id").desc())
                                 .limit(needed - len(found))).all()
        if len(found) >= needed:
            break
    rows = found[skip:]
    if total is None:
        total = _segment_size(session, period, segment)
    last = rows[-1] if len(rows) == page_size else None
    return {"segment": segment, "page": None if cursor else page, "page_size": page_size, "total": total,
            "next": f"{_iso_day(last.last_visit_day)},{last.id}" if last is not None else None,
            "customers": [{"id": row.id, "name": row.name, "phone": row.phone, "kind": row.kind,
                           "store_id": row.store_id, "last_visit_day": _iso_day(row.last_visit_day),
                           "visits": row.visit_count, "spend": f"{row.spend_fen / 100:.2f}"} for row in rows]}


def _cursor(after: str) -> tuple[date, str]:
    """(last visit day, id) of a page's `next`; ValueError when it is not one."""
    day, _, customer_id = after.partition(",")
    if not customer_id:
        raise ValueError("expected YYYY-MM-DD,<customer id>")
    return date.fromisoformat(day), customer_id


def _segment_size(session: Session, period: Period, segment: str) -> int:
    counts = rfm_counts(session, period)
    return sum(count for (r, f, m), count in counts.items() if contrib.segment_of(r, f, m) == segment)


def _iso_day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else value
