"""Complaints (complaint.*): each step's state of the complaint, and what the step type adds (time to
resolve, satisfaction after the callback, reopens, the survey of the staff)."""
from __future__ import annotations

import json
from typing import Any

from servicekit.events import Event
from sqlalchemy.orm import Session

from reporting.adapters import tally_writer
from reporting.adapters.tables import complaints
from reporting.domain import contributions as contrib
from reporting.domain.event_values import fen
from reporting.service_layer.record_keeping import local_day, row, save, survivor

#: The fields of a step's data that say how the complaint stands after it (the newest step's win).
STATE = ("store_id", "category", "subcategory", "department", "severity", "channel", "status", "assignee")
SURVEY_ITEMS = ("attitude", "skill", "timeliness", "promise_kept")


def complaint_step(session: Session, event: Event) -> None:
    """Any complaint.* step: the complaint's state after it, and what the step type adds."""
    data, kind = event.data, event.type.split(".")[1]
    complaint_id = data["complaint_id"]
    before = row(session, complaints, complaint_id)
    step_at = data.get("occurred_at") or event.time
    customer_id, merged_from = survivor(session, data.get("customer_id") or "")
    after = dict(before or {"id": complaint_id, "reopens": 0, "customer_id": customer_id,
                            "merged_from": merged_from})
    newest = before is None or (before.get("step_at") or "") <= step_at
    if newest:
        _take_state(after, data, step_at)
    after["filed_day"] = local_day(data.get("filed_at")) or after.get("filed_day")
    if kind == "resolved":
        after.update(working_minutes=data.get("working_minutes_to_resolve"), remedy_fen=fen(data.get("remedy_cost")),
                     responsible_party=data.get("responsible_party"))
    elif kind in ("callback_recorded", "closed") and data.get("satisfaction") and newest:
        after["satisfaction"] = data["satisfaction"]
    elif kind == "reopened":
        after["reopens"] = (after.get("reopens") or 0) + 1
    elif kind == "survey_recorded":
        _count_survey(session, data, local_day(step_at))
    save(session, complaints, before, after)


def _take_state(after: dict[str, Any], data: dict[str, Any], step_at: str) -> None:
    """The complaint as the newest step has it."""
    after.update({name: data[name] for name in STATE if name in data})
    if "sla" in data:
        after["sla"] = json.dumps(data["sla"], sort_keys=True)
    after["step_at"] = step_at


def _count_survey(session: Session, data: dict[str, Any], day: Any) -> None:
    """A survey's scores of each staff member named (kept in the tallies only: no record keeps them)."""
    store = data.get("store_id") or ""
    for staff in data.get("staff") or ():
        for item in SURVEY_ITEMS:
            score = contrib.SURVEY_SCORE.get(data.get(item) or "")
            if score:
                tally_writer.add(session, {("survey", day, store, staff, item): (1, score)})
