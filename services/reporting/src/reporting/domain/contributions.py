"""What each record of the read model adds to the pre-aggregated figures (tallies).

Every figure is a sum, over the records, of what each record contributes in its current state. When a
record changes, the tallies take the difference between what it contributed before and what it
contributes now. So the figures depend only on the records' states, never on the order in which the
events reached them: replayed twice, shuffled, or rebuilt, the same records give the same figures.

A tally key is (report, day, store, key1, key2); its value is (count, amount). Days are local dates in the
business's time zone (CRM_TIMEZONE, Asia/Shanghai by default: a visit at 17:00 UTC belongs to the next
morning's day in the dealership).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from reporting.domain.rfm import frequency_score, monetary_score

Key = tuple[str, date, str, str, str]
Contribution = dict[Key, tuple[int, int]]

SATISFACTION_SCORE = {"very_unsatisfied": 1, "unsatisfied": 2, "neutral": 3, "satisfied": 4, "very_satisfied": 5}
SURVEY_SCORE = {"very_unsatisfied": 1, "unsatisfied": 2, "satisfied": 3, "very_satisfied": 4}
UNKNOWN = "未填"  # "not filled in": a dimension the record leaves empty still counts, under this name

#: Prospect (A卡) dimensions [000]: reason for visit, consultant, wanted model, region, purchase type, intent.
PROSPECT_DIMENSIONS = ("source", "consultant", "wanted_model", "region", "purchase_type", "intent_grade")
#: Owner (C卡) dimensions [000]: customer type, model, region, industry; plus tier and number of vehicles.
OWNER_DIMENSIONS = ("customer_type", "model", "region", "industry", "tier", "vehicles", "stage")
COMPLAINT_DIMENSIONS = ("category", "subcategory", "department", "severity", "channel", "cause")


def _text(value: Any) -> str:
    return str(value) if value not in (None, "") else UNKNOWN


def _add(result: Contribution, key: Key, count: int = 1, amount: int = 0) -> None:
    old = result.get(key, (0, 0))
    result[key] = (old[0] + count, old[1] + amount)


def customer_contribution(c: Mapping[str, Any] | None) -> Contribution:
    """What one customer (a row of `customers`) adds to the customer figures."""
    result: Contribution = {}
    if not c or c.get("merged_into") or c.get("created_day") is None:
        return result
    store = c.get("store_id") or ""
    region = _text(c.get("city") or c.get("province"))
    _add(result, ("customers", c["created_day"], store, c["kind"], region))
    if c.get("first_kind") == "prospect":
        _add_prospect(result, c, store, region)
    if c["kind"] == "owner":
        _add_owner(result, c, store, region)
    last = c.get("last_visit_day")
    if last is not None:
        _add(result, ("last_visit", last, store, c["kind"], ""))
        visits, spend = c.get("visit_count") or 0, c.get("spend_fen") or 0
        _add(result, ("rfm", last, store, str(frequency_score(visits)), str(monetary_score(spend))), 1, spend)
    return result


def _add_prospect(result: Contribution, c: Mapping[str, Any], store: str, region: str) -> None:
    """A customer who came as a prospect: once per prospect dimension on the day created, 1 if converted."""
    converted = 1 if c["kind"] == "owner" else 0
    values = {"source": c.get("source"), "consultant": c.get("owner"), "wanted_model": c.get("wanted_model"),
              "region": region, "purchase_type": c.get("purchase_type"), "intent_grade": c.get("intent_grade")}
    for dimension in PROSPECT_DIMENSIONS:
        _add(result, ("prospects", c["created_day"], store, dimension, _text(values[dimension])), 1, converted)


def _add_owner(result: Contribution, c: Mapping[str, Any], store: str, region: str) -> None:
    """An owner: once per owner dimension, on the day they became one."""
    since = c.get("owner_since") or c["created_day"]
    vehicles = c.get("vehicles") or 0
    values = {"customer_type": "key" if c.get("key_customer") else "regular", "model": c.get("model"),
              "region": region, "industry": c.get("industry"), "tier": c.get("tier") or "regular",
              "vehicles": "2+" if vehicles >= 2 else str(vehicles), "stage": c.get("stage")}
    for dimension in OWNER_DIMENSIONS:
        _add(result, ("owners", since, store, dimension, _text(values[dimension])))


def visit_contribution(v: Mapping[str, Any] | None) -> Contribution:
    """What one visit adds: visits by kind and staff (with the amount), callback satisfaction."""
    result: Contribution = {}
    if not v or v.get("voided"):
        return result
    store = v.get("store_id") or ""
    _add(result, ("visits", v["day"], store, v["kind"], _text(v.get("staff"))), 1, v.get("amount_fen") or 0)
    score = SATISFACTION_SCORE.get(v.get("satisfaction") or "")
    if v["kind"] == "callback" and score:
        _add(result, ("callback_satisfaction", v["day"], store, v["satisfaction"], ""), 1, score)
    return result


def vehicle_contribution(a: Mapping[str, Any] | None) -> Contribution:
    """What one delivered vehicle adds: deliveries by model, and whether its first maintenance happened [001].
    A vehicle sold or scrapped since was still delivered; one registered by mistake (voided) counts nowhere."""
    result: Contribution = {}
    if not a or a.get("delivered_day") is None or a.get("status") == "voided":
        return result
    done = 1 if a.get("first_service_day") else 0
    _add(result, ("deliveries", a["delivered_day"], a.get("store_id") or "", _text(a.get("model")), ""), 1, done)
    return result


def complaint_contribution(k: Mapping[str, Any] | None) -> Contribution:
    """What one complaint adds: volume by dimension, status, SLA per target, time to resolve, satisfaction."""
    result: Contribution = {}
    if not k or k.get("filed_day") is None:
        return result
    day, store = k["filed_day"], k.get("store_id") or ""
    values = {name: k.get(name) for name in COMPLAINT_DIMENSIONS}
    values["cause"] = k.get("responsible_party")
    for dimension in COMPLAINT_DIMENSIONS:
        amount = (k.get("remedy_fen") or 0) if dimension == "category" else 0
        _add(result, ("complaints", day, store, dimension, _text(values[dimension])), 1, amount)
    _add(result, ("complaint_status", day, store, _text(k.get("status")), "reopened" if k.get("reopens") else ""))
    _add_sla(result, k.get("sla") or {}, day, store)
    minutes = k.get("working_minutes")
    if minutes is not None:
        _add(result, ("complaint_hours", day, store, f"{min(minutes // 60, 9999):04d}", ""), 1, minutes)
    if k.get("satisfaction") in SATISFACTION_SCORE:
        _add(result, ("complaint_satisfaction", day, store, k["satisfaction"], ""), 1,
             SATISFACTION_SCORE[k["satisfaction"]])
    if k.get("assignee"):
        _add(result, ("complaint_staff", day, store, k["assignee"], ""))
    return result


def _add_sla(result: Contribution, sla: Mapping[str, Any], day: date, store: str) -> None:
    """Each SLA target of a complaint: met, breached or still open."""
    for target, state in sorted(sla.items()):
        outcome = "breached" if state.get("breached") else "met" if state.get("met_at") else "open"
        _add(result, ("complaint_sla", day, store, target, outcome))


def reminder_contribution(r: Mapping[str, Any] | None) -> Contribution:
    """What one reminder adds: by rule and furthest status, outcome, and a win-back call's lost reason."""
    result: Contribution = {}
    if not r or r.get("due_day") is None:
        return result
    store = r.get("store_id") or ""
    _add(result, ("reminders", r["due_day"], store, _text(r.get("rule")), _text(r.get("status"))))
    if r.get("outcome"):
        _add(result, ("reminder_outcome", r["due_day"], store, _text(r.get("rule")), r["outcome"]))
    if r.get("lost_reason") and r.get("completed_day"):
        _add(result, ("winback", r["completed_day"], store, r["lost_reason"], ""))
    return result


def appointment_contribution(a: Mapping[str, Any] | None) -> Contribution:
    """What one appointment adds: by status (booked, kept, no_show, cancelled) on the day it was booked; one
    booked from a reminder, by status on that reminder's due day too."""
    result: Contribution = {}
    if not a or a.get("booked_day") is None:
        return result
    store = a.get("store_id") or ""
    _add(result, ("appointments", a["booked_day"], store, _text(a.get("status")), _text(a.get("purpose"))))
    if a.get("reminder_id") and a.get("reminder_day") is not None:
        # booked from a reminder: counted on the reminder's due day, as the reminder service's KPIs count it
        _add(result, ("reminder_bookings", a["reminder_day"], store, _text(a.get("status")), ""))
    return result


def difference(before: Contribution, after: Contribution) -> Contribution:
    """after − before, without the keys that cancel out (most of a record's keys, from one state to the next)."""
    result: Contribution = {}
    for key, new in after.items():
        old = before.get(key)
        if old is None:
            if new != (0, 0):
                result[key] = new
        elif new != old:
            result[key] = (new[0] - old[0], new[1] - old[1])
    for key, old in before.items():
        if key not in after and old != (0, 0):
            result[key] = (-old[0], -old[1])
    return result


def percentile_from_histogram(histogram: Mapping[int, int], fraction: float) -> int | None:
    """The bucket holding the `fraction` quantile of a {bucket: count} histogram (None when empty)."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank, seen = fraction * total, 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket
    return max(histogram)


def count_by(items: Counter[str]) -> list[dict[str, Any]]:
    """[{value, count}] sorted by count, largest first."""
    return [{"value": value, "count": count} for value, count in sorted(items.items(), key=lambda i: (-i[1], i[0]))]
