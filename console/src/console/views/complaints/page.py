"""The complaint page (投诉详情): its SLA, timeline, callbacks, surveys, rectification notices, and only the steps
the person may take next."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from console.api import ApiError, Page, api
from console.people import current_person
from console.views.complaints.common import STEPS, SURVEY_STATUSES, TERMINAL, blp
from console.views.complaints.sla import sla_states
from console.views.complaints.words import SATISFACTION, SURVEY_LEVELS, VOCABULARY

USERS_PAGE_SIZE = 50


def _timeline(a, complaint_id: str) -> dict[str, Any]:
    """The timeline newest first (the latest 200 steps when there are more)."""
    first = a.page(f"/complaints/{complaint_id}/timeline", page=1, page_size=200)
    steps = first.items
    if first.pages > 1:
        steps = a.page(f"/complaints/{complaint_id}/timeline", page=first.pages, page_size=200).items
    return {"steps": list(reversed(steps)), "total": first.total}


def _users(store_id: str | None, users_page: int) -> Page | ApiError:
    """One page of the people the complaint may be given to (those who may work in its store)."""
    try:
        return api().page("/users", store=store_id, page=users_page, page_size=USERS_PAGE_SIZE)
    except ApiError as refused:
        return refused


def _surveyed(complaint: dict[str, Any], surveys: list[dict[str, Any]]) -> bool:
    """Whether the survey of the complaint's current resolution is recorded."""
    return any(s.get("round") == complaint.get("round") for s in surveys)


def _available(complaint: dict[str, Any], person, surveys: list[dict[str, Any]] | ApiError) -> list[str]:
    """The steps this person may take on the complaint now: the workflow steps its `allowed_next` permits,
    pause or resume while it is open, and the survey of its resolution when that is still to be recorded."""
    status = complaint.get("status")
    steps = [step for step in complaint.get("allowed_next") or [] if step in STEPS]
    if status not in TERMINAL:
        steps.append("resume" if complaint.get("waiting_on_customer") else "pause")
    if status in SURVEY_STATUSES and not isinstance(surveys, ApiError) and not _surveyed(complaint, surveys):
        steps.append("survey")
    return [step for step in steps if person.can(STEPS[step])]


def _close_hint(complaint: dict[str, Any], surveys: Any) -> str | None:
    """Why closing is not offered yet, when the complaint is waiting on its callbacks or survey."""
    if complaint.get("status") not in ("resolved", "callback") or "close" in (complaint.get("allowed_next") or []):
        return None
    needed, done = complaint.get("callbacks_needed") or 0, complaint.get("callbacks_in_round") or 0
    if done < needed:
        return _("Closing needs %(needed)s callback(s) with a satisfied customer; %(done)s recorded so far.",
                 needed=needed, done=done)
    if complaint.get("last_satisfaction") not in ("satisfied", "very_satisfied"):
        return _("Closing needs the last callback to find the customer satisfied or very satisfied.")
    if not isinstance(surveys, ApiError) and not _surveyed(complaint, surveys):
        return _("Closing needs the satisfaction survey of this resolution: record it first.")
    return None


def _users_page() -> int:
    try:
        return max(1, int(request.args.get("users_page", 1)))
    except ValueError:
        return 1


def _workflow(complaint: Any, surveys: Any, users_page: int) -> dict[str, Any]:
    """The complaint's SLA, the steps the person may take, why closing waits, and who it may be given to."""
    if isinstance(complaint, ApiError):
        return {"sla": [], "steps": [], "hint": None, "users": None}
    steps = _available(complaint, current_person(), surveys)
    return {"sla": sla_states(complaint), "steps": steps, "hint": _close_hint(complaint, surveys),
            "users": _users(complaint.get("store_id"), users_page) if "assign" in steps else None}


def _choices(users: Page | ApiError | None) -> dict[str, list[tuple[str, str]]]:
    """The forms' choices: the assignees, the callback's satisfaction (numbered 1-5) and the survey's levels."""
    assignees = [] if users is None or isinstance(users, ApiError) else [
        (u["username"], f"{u.get('display_name') or u['username']} ({u['username']})") for u in users.items]
    return {"assignee_choices": assignees,
            "satisfaction_choices": [(code, f"{number} · {label}") for number, (code, label) in
                                     enumerate(SATISFACTION.items(), start=1)],
            "survey_level_choices": [(code, str(SATISFACTION[code])) for code in SURVEY_LEVELS]}


def render_complaint(complaint_id: str, *, failed: dict[str, ApiError] | None = None,
                     values: dict[str, dict[str, Any]] | None = None, status: int = 200):
    """The complaint page; `failed` names the form whose step the API refused (its error shown beside it)."""
    users_page = _users_page()
    found = api().gather({
        "complaint": lambda a: a.get(f"/complaints/{complaint_id}"),
        "timeline": lambda a: _timeline(a, complaint_id),
        "callbacks": lambda a: a.get(f"/complaints/{complaint_id}/callbacks"),
        "surveys": lambda a: a.get(f"/complaints/{complaint_id}/surveys"),
        "notices": lambda a: a.get(f"/complaints/{complaint_id}/rectifications"),
    })
    complaint = found["complaint"]
    workflow = _workflow(complaint, found["surveys"], users_page)
    status = complaint.status if isinstance(complaint, ApiError) and status == 200 else status
    return render_template("complaints/show.html", complaint_id=complaint_id, complaint=complaint,
                           sla=workflow["sla"], timeline=found["timeline"], callbacks=found["callbacks"],
                           surveys=found["surveys"], notices=found["notices"], steps=workflow["steps"],
                           users=workflow["users"], users_page=users_page, hint=workflow["hint"],
                           failed=failed or {}, values=values or {}, today=date.today().isoformat(),
                           **_choices(workflow["users"]), **VOCABULARY), status


@blp.get("/complaints/<complaint_id>")
def show(complaint_id: str):
    return render_complaint(complaint_id)
