"""The Complaints screens: the list (filtered and paginated on the server), filing a new complaint, and the
complaint page with its SLA, timeline, callbacks, surveys, rectification notices and only the steps it may take
next (each a form posted here, then post/redirect/get back to the page)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_  # marks a label for extraction (N_ is a pybabel keyword), lazily

from console.api import ApiError, Page, api
from console.people import current_person

blp = Blueprint("complaints", __name__)

# -- the words of the complaint domain, translated ----------------------------------------------------------

STATUSES = {
    "filed": N_("Filed"), "acknowledged": N_("Acknowledged"), "assigned": N_("Assigned"),
    "in_progress": N_("In progress"), "resolved": N_("Resolved"), "callback": N_("Called back"),
    "closed": N_("Closed"), "reopened": N_("Reopened"), "rejected": N_("Rejected"),
}
CATEGORIES = {"quality": N_("Product quality"), "service": N_("Service"), "general": N_("General"),
              "incident": N_("Incident")}
SEVERITIES = {"minor": N_("Minor"), "normal": N_("Normal"), "serious": N_("Serious"), "critical": N_("Critical")}
CHANNELS = {"phone": N_("Phone"), "store": N_("In store"), "web": N_("Website"), "email": N_("Email"), "sms": N_("SMS"),
            "letter": N_("Letter"), "survey": N_("Survey"), "wechat": N_("WeChat")}
CALLBACK_CHANNELS = {"phone": N_("Phone"), "sms": N_("SMS"), "questionnaire": N_("Questionnaire"),
                     "face_to_face": N_("Face to face"), "wechat": N_("WeChat"), "email": N_("Email")}
#: The five-point satisfaction of a callback, worst first, numbered 1-5 as the customer is asked.
SATISFACTION = {"very_unsatisfied": N_("Very unsatisfied"), "unsatisfied": N_("Unsatisfied"),
                "neutral": N_("Neutral"), "satisfied": N_("Satisfied"), "very_satisfied": N_("Very satisfied")}
#: The survey card's four levels, best first.
SURVEY_LEVELS = ("very_satisfied", "satisfied", "unsatisfied", "very_unsatisfied")
SURVEY_ITEMS = {"attitude": N_("Attitude"), "skill": N_("Skill"), "timeliness": N_("Timeliness"),
                "promise_kept": N_("Promise kept")}
#: The departments a complaint is given to (the API keeps the code; other codes are shown as they are).
DEPARTMENTS = {"after_sales": N_("After-sales service"), "sales": N_("Sales"), "customer_care": N_("Customer care"),
               "parts": N_("Parts"), "body_paint": N_("Body and paint"), "finance": N_("Finance"),
               "management": N_("General manager's office")}
LEVELS = {"manager": N_("Manager"), "general_manager": N_("General manager")}
TARGETS = {"acknowledge": N_("Acknowledge within"), "respond": N_("Respond within"),
           "resolve": N_("Resolve within"), "first_callback": N_("First callback within")}
#: Timeline actions (the workflow steps and the others the service records).
ACTIONS = {
    "file": N_("Filed"), "acknowledge": N_("Acknowledged"), "assign": N_("Assigned"), "start": N_("Work started"),
    "resolve": N_("Resolved"), "callbacks": N_("Callback recorded"), "callback": N_("Callback recorded"),
    "close": N_("Closed"), "reopen": N_("Reopened"), "reject": N_("Rejected"), "pause": N_("Waiting on the customer"),
    "resume": N_("Clocks resumed"), "survey": N_("Survey recorded"), "escalate": N_("Escalated"),
    "correct": N_("Corrected"), "sla_warned": N_("SLA warning"), "sla_breached": N_("SLA breached"),
    "rectification": N_("Rectification notice issued"),
}
NOTICE_STATUSES = {"open": N_("Open"), "done": N_("Done")}
#: What the timeline shows of a step's details.
DETAIL_LABELS = {"reason": N_("Reason"), "findings": N_("Findings"), "resolution": N_("Resolution"),
                 "department": N_("Department"), "assignee": N_("Assignee"),
                 "responsible_party": N_("Responsible party"), "satisfaction": N_("Satisfaction"),
                 "comment": N_("Comment")}

VOCABULARY = {"statuses": STATUSES, "categories": CATEGORIES, "severities": SEVERITIES, "channels": CHANNELS,
              "callback_channels": CALLBACK_CHANNELS, "satisfaction": SATISFACTION, "survey_levels": SURVEY_LEVELS,
              "survey_items": SURVEY_ITEMS, "departments": DEPARTMENTS, "levels": LEVELS, "targets": TARGETS,
              "actions": ACTIONS, "notice_statuses": NOTICE_STATUSES, "detail_labels": DETAIL_LABELS}

#: Statuses after which nothing more happens to a complaint.
TERMINAL = frozenset({"closed", "rejected"})
#: Statuses in which the survey of the resolution may be recorded.
SURVEY_STATUSES = frozenset({"resolved", "callback", "closed"})
#: Steps the console posts (action -> the permission its API route requires).
STEPS = {"acknowledge": "write", "assign": "manage", "start": "write", "resolve": "write", "callbacks": "write",
         "close": "write", "reopen": "write", "reject": "write", "pause": "write", "resume": "write",
         "survey": "write"}
#: The filters GET /complaints takes that the list offers.
#: (`customer_id`: one customer's complaints, as their page links to them.)
FILTERS = ("status", "category", "severity", "department", "assignee", "store_id", "breached", "customer_id")
PAGE_SIZE = 20
USERS_PAGE_SIZE = 50

def duration(minutes: int) -> str:
    """Working minutes in words: "2 h 5 min", "45 min", "3 working days 2 h"."""
    days, rest = divmod(max(minutes, 0), 8 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)s working days %(hours)s h", days=days, hours=hours)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=mins)
    return _("%(minutes)s min", minutes=mins)


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sla_states(complaint: dict[str, Any]) -> list[dict[str, Any]]:
    """Each SLA target of a complaint as a person reads it: its state (met, breached, warned, running, paused,
    idle) and the words saying so, with the time left in working hours as the complaint service counts it on
    its business calendar (holidays and pauses left out)."""
    finished = complaint.get("status") in TERMINAL
    states = []
    for name, label in TARGETS.items():
        figures = (complaint.get("sla") or {}).get(name) or {}
        due, met = _moment(figures.get("due_at")), _moment(figures.get("met_at"))
        left = figures.get("working_minutes_left")
        breached = bool(figures.get("breached")) or (left is not None and left < 0)
        if met:
            state = "met-late" if figures.get("breached") else "met"
            words = _("Met late") if figures.get("breached") else _("Met")
        elif breached:
            state = "breached"
            words = _("Breached: %(time)s overdue", time=duration(-left)) if left is not None else _("Breached")
        elif left is not None and not finished:
            state = "warned" if figures.get("warned") else "running"
            words = (_("Warning: %(time)s left", time=duration(left)) if figures.get("warned")
                     else _("%(time)s left", time=duration(left)))
        elif complaint.get("waiting_on_customer") and not finished:
            state, words = "paused", _("Paused: waiting on the customer")
        else:
            state, words = "idle", _("Not running")
        states.append({"name": name, "label": label, "state": state, "words": words, "due_at": due})
    return states


# -- reading the API ----------------------------------------------------------------------------------------


def _choices(words: dict[str, Any]) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in words.items()]


def _filters() -> dict[str, str]:
    """The list's filters from the query; a code the list does not offer is left out rather than refused."""
    known = {"status": STATUSES, "category": CATEGORIES, "severity": SEVERITIES, "breached": ("true", "false")}
    filters = {name: request.args.get(name, "").strip() for name in FILTERS if request.args.get(name, "").strip()}
    return {name: value for name, value in filters.items() if name not in known or value in known[name]}


@blp.get("/complaints")
def index():
    filters = _filters()
    try:
        page_number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_number = 1
    try:
        complaints = api().page("/complaints", page=page_number, page_size=PAGE_SIZE, **filters)
    except ApiError as error:
        complaints = error
    rows = []
    if not isinstance(complaints, ApiError):
        rows = [{"complaint": c, "sla": sla_states(c)} for c in complaints.items]
    return render_template("complaints/index.html", complaints=complaints, rows=rows, filters=filters,
                           choices={"status": _choices(STATUSES), "category": _choices(CATEGORIES),
                                    "severity": _choices(SEVERITIES), "department": _choices(DEPARTMENTS)},
                           **VOCABULARY)


# -- filing a complaint -------------------------------------------------------------------------------------

NEW_FIELDS = ("channel", "category", "subcategory", "severity", "description")


def vehicle_words(asset: dict[str, Any]) -> str:
    """A vehicle as a person names it: plate, model, VIN."""
    return " · ".join(str(asset[key]) for key in ("plate", "model", "vin") if asset.get(key)) or _("Vehicle")


@blp.route("/complaints/new", methods=["GET", "POST"])
def new():
    person = current_person()
    if not person.can("write"):
        abort(403)
    customer_id = (request.values.get("customer_id") or "").strip()
    values = {name: request.form.get(name, "") for name in (*NEW_FIELDS, "vehicle")}
    errors: dict[str, list[str]] = {}
    error = None
    status = 200
    found = api().gather({
        "customer": lambda a: a.get(f"/customers/{customer_id}"),
        "vehicles": lambda a: a.page(f"/customers/{customer_id}/assets", page=1, page_size=50),
    }) if customer_id else {"customer": None, "vehicles": None}
    vehicles = found["vehicles"]
    vehicles = [] if vehicles is None or isinstance(vehicles, ApiError) else [
        asset for asset in vehicles.items
        if asset.get("kind") == "vehicle" and asset.get("status", "active") == "active"]
    if request.method == "POST" and customer_id:
        body = {"customer_id": customer_id, **{name: values[name].strip() for name in NEW_FIELDS}}
        body["subcategory"] = body["subcategory"] or None
        chosen = next((asset for asset in vehicles if asset.get("id") == values["vehicle"]), None)
        if chosen and body["description"]:
            # The complaint keeps no vehicle of its own: the vehicle is named at the head of what was said.
            body["description"] = _("Vehicle: %(vehicle)s", vehicle=vehicle_words(chosen)) + "\n" + body["description"]
        try:
            filed = api().post("/complaints", body)
        except ApiError as refused:
            if refused.unavailable or refused.status in (403, 409, 412, 422, 404):
                error, errors, status = refused, refused.errors, refused.status
            else:
                raise
        else:
            return redirect(url_for("complaints.show", complaint_id=filed["id"]))
    return render_template("complaints/new.html", customer_id=customer_id, customer=found["customer"],
                           values=values, errors=errors, error=error, **VOCABULARY,
                           choices={"channel": _choices(CHANNELS), "category": _choices(CATEGORIES),
                                    "severity": _choices(SEVERITIES),
                                    "vehicle": [(asset["id"], vehicle_words(asset)) for asset in vehicles]}), status


# -- the complaint page -------------------------------------------------------------------------------------


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


def _available(complaint: dict[str, Any], person, surveys: list[dict[str, Any]] | ApiError) -> list[str]:
    """The steps this person may take on the complaint now: the workflow steps its `allowed_next` permits,
    pause or resume while it is open, and the survey of its resolution when that is still to be recorded."""
    status = complaint.get("status")
    steps = [step for step in complaint.get("allowed_next") or [] if step in STEPS]
    if status not in TERMINAL:
        steps.append("resume" if complaint.get("waiting_on_customer") else "pause")
    surveyed = not isinstance(surveys, ApiError) and any(
        s.get("round") == complaint.get("round") for s in surveys)
    if status in SURVEY_STATUSES and not surveyed and not isinstance(surveys, ApiError):
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
    if not isinstance(surveys, ApiError) and not any(s.get("round") == complaint.get("round") for s in surveys):
        return _("Closing needs the satisfaction survey of this resolution: record it first.")
    return None


def render_complaint(complaint_id: str, *, failed: dict[str, ApiError] | None = None,
                     values: dict[str, dict[str, Any]] | None = None, status: int = 200):
    """The complaint page; `failed` names the form whose step the API refused (its error shown beside it)."""
    person = current_person()
    try:
        users_page = max(1, int(request.args.get("users_page", 1)))
    except ValueError:
        users_page = 1
    found = api().gather({
        "complaint": lambda a: a.get(f"/complaints/{complaint_id}"),
        "timeline": lambda a: _timeline(a, complaint_id),
        "callbacks": lambda a: a.get(f"/complaints/{complaint_id}/callbacks"),
        "surveys": lambda a: a.get(f"/complaints/{complaint_id}/surveys"),
        "notices": lambda a: a.get(f"/complaints/{complaint_id}/rectifications"),
    })
    complaint = found["complaint"]
    steps, sla, users, hint = [], [], None, None
    if not isinstance(complaint, ApiError):
        sla = sla_states(complaint)
        steps = _available(complaint, person, found["surveys"])
        hint = _close_hint(complaint, found["surveys"])
        if "assign" in steps:
            users = _users(complaint.get("store_id"), users_page)
    status = complaint.status if isinstance(complaint, ApiError) and status == 200 else status
    assignee_choices = [] if users is None or isinstance(users, ApiError) else [
        (u["username"], f"{u.get('display_name') or u['username']} ({u['username']})") for u in users.items]
    satisfaction_choices = [(code, f"{number} · {label}") for number, (code, label) in
                            enumerate(SATISFACTION.items(), start=1)]
    survey_level_choices = [(code, str(SATISFACTION[code])) for code in SURVEY_LEVELS]
    return render_template("complaints/show.html", complaint_id=complaint_id, complaint=complaint, sla=sla,
                           timeline=found["timeline"], callbacks=found["callbacks"], surveys=found["surveys"],
                           notices=found["notices"], steps=steps, users=users, users_page=users_page, hint=hint,
                           failed=failed or {}, values=values or {}, today=date.today().isoformat(),
                           assignee_choices=assignee_choices, satisfaction_choices=satisfaction_choices,
                           survey_level_choices=survey_level_choices,
                           **VOCABULARY), status


@blp.get("/complaints/<complaint_id>")
def show(complaint_id: str):
    return render_complaint(complaint_id)


def _step_body(step: str) -> dict[str, Any]:
    form = request.form
    text = {name: (form.get(name) or "").strip() for name in form}
    if step == "assign":
        return {"department": text.get("department", ""), "assignee": text.get("assignee", "")}
    if step == "resolve":
        return {"resolution": text.get("resolution", ""), "remedy_cost": text.get("remedy_cost") or "0",
                "responsible_party": text.get("responsible_party", "")}
    if step == "callbacks":
        return {"channel": text.get("channel", ""), "satisfaction": text.get("satisfaction", ""),
                "comment": text.get("comment") or None}
    if step in ("pause", "reopen"):
        return {"reason": text.get("reason", "")}
    if step == "reject":
        return {"findings": text.get("findings", "")}
    if step == "survey":
        staff = [name.strip() for name in text.get("staff", "").replace("，", ",").split(",") if name.strip()]
        return {**{item: text.get(item, "") for item in SURVEY_ITEMS}, "staff": staff,
                "comment": text.get("comment") or None}
    return {}



@blp.post("/complaints/<complaint_id>/steps/<step>")
def act(complaint_id: str, step: str):
    """Take one step; back to the complaint page, which shows its new status and timeline."""
    if step not in STEPS:
        abort(404)
    body = _step_body(step)
    try:
        api().post(f"/complaints/{complaint_id}/{step}", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return render_complaint(complaint_id, failed={step: refused}, values={step: dict(request.form)},
                                status=refused.status)
    return redirect(url_for("complaints.show", complaint_id=complaint_id) + "#timeline")


@blp.post("/complaints/<complaint_id>/rectifications")
def issue_notice(complaint_id: str):
    form = request.form
    body = {"department": (form.get("department") or "").strip(),
            "required_action": (form.get("required_action") or "").strip(),
            "due_on": (form.get("due_on") or "").strip() or None}
    try:
        api().post(f"/complaints/{complaint_id}/rectifications", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return render_complaint(complaint_id, failed={"notice": refused}, values={"notice": dict(form)},
                                status=refused.status)
    return redirect(url_for("complaints.show", complaint_id=complaint_id) + "#notices")


@blp.post("/complaints/<complaint_id>/rectifications/<notice_id>/complete")
def complete_notice(complaint_id: str, notice_id: str):
    outcome = (request.form.get("outcome") or "").strip()
    try:
        api().post(f"/complaints/{complaint_id}/rectifications/{notice_id}/complete", {"outcome": outcome})
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return render_complaint(complaint_id, failed={f"complete-{notice_id}": refused},
                                values={f"complete-{notice_id}": dict(request.form)}, status=refused.status)
    return redirect(url_for("complaints.show", complaint_id=complaint_id) + "#notices")


@blp.get("/complaints/<complaint_id>/rectifications/<notice_id>/print")
def print_notice(complaint_id: str, notice_id: str):
    """The notice as the complaint service prints it (整改通知单), to print and hand to the department."""
    response = api().send("GET", f"/complaints/{complaint_id}/rectifications/{notice_id}/print")
    return Response(response.text, mimetype="text/html")
