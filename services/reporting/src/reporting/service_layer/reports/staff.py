"""The staff report: per consultant (prospects, conversions, visits, complaints, survey scores) and per
technician or adviser (services, complaints, survey scores)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from reporting.adapters import tally_reader
from reporting.domain import contributions as contrib
from reporting.domain.report import Report
from reporting.service_layer.periods import Period, rate
from reporting.service_layer.reports.common import envelope

SURVEY_ITEMS = ("attitude", "skill", "timeliness", "promise_kept")
COLUMNS = ["staff", "prospects", "converted", "conversion_rate", "visits", "services", "revenue", "complaints",
           *(f"survey_{item}" for item in SURVEY_ITEMS)]


def staff(session: Session, period: Period) -> Report:
    """Per consultant (prospects, conversions, visits, complaints, survey) and per technician (services,
    complaints, survey)."""
    people = _people(session, period)
    consultants = sorted(name for name, p in people.items() if p["prospects"])
    # technicians and advisers: whoever serviced, was assigned complaints or was rated, and sold nothing
    technicians = sorted(name for name, p in people.items() if not p["prospects"] and (
        p["visits"].get("service") or p["complaints"] or p["survey"]))
    data = {**envelope(session, "staff", period), "survey_scale": "1 (very unsatisfied) to 4 (very satisfied)",
            "consultants": [_card(name, people[name]) for name in consultants],
            "technicians": [_card(name, people[name]) for name in technicians]}
    tables = [(role, COLUMNS, [_row(card) for card in data[role]]) for role in ("consultants", "technicians")]
    return Report("staff", data, tables)


def _people(session: Session, period: Period) -> dict[str, dict[str, Any]]:
    """What each person named in the period's figures did (those left unnamed are left out)."""
    people: dict[str, dict[str, Any]] = defaultdict(lambda: {"prospects": 0, "converted": 0, "visits": {},
                                                            "revenue_fen": 0, "complaints": 0, "survey": {}})
    for row in tally_reader.totals(session, "prospects", period.start, period.end, period.stores):
        if row["key1"] == "consultant":
            people[row["key2"]]["prospects"] += row["count"]
            people[row["key2"]]["converted"] += row["amount"]
    for row in tally_reader.totals(session, "visits", period.start, period.end, period.stores):
        person = people[row["key2"]]
        person["visits"][row["key1"]] = person["visits"].get(row["key1"], 0) + row["count"]
        person["revenue_fen"] += row["amount"]
    for row in tally_reader.totals(session, "complaint_staff", period.start, period.end, period.stores, by=("key1",)):
        people[row["key1"]]["complaints"] += row["count"]
    for row in tally_reader.totals(session, "survey", period.start, period.end, period.stores):
        people[row["key1"]]["survey"][row["key2"]] = round(row["amount"] / row["count"], 2)
    people.pop(contrib.UNKNOWN, None)
    return people


def _card(name: str, p: dict[str, Any]) -> dict[str, Any]:
    return {"staff": name, "prospects": p["prospects"], "converted": p["converted"],
            "conversion_rate": rate(p["converted"], p["prospects"]), "visits": dict(sorted(p["visits"].items())),
            "revenue": f"{p['revenue_fen'] / 100:.2f}", "complaints": p["complaints"], "survey": p["survey"]}


def _row(c: dict[str, Any]) -> list[Any]:
    return [c["staff"], c["prospects"], c["converted"], c["conversion_rate"], sum(c["visits"].values()),
            c["visits"].get("service", 0), c["revenue"], c["complaints"],
            *(c["survey"].get(item) for item in SURVEY_ITEMS)]
