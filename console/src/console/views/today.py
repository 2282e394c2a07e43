"""The Today screen (今日待办): the tasks due or overdue of the signed-in person (or, for a manager, of a colleague
or a store), grouped by kind, each with what to do about it in place: complete with an outcome, snooze, book."""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_  # marked for extraction, translated when shown

from console.api import ApiError, Page, api
from console.people import current_person

blp = Blueprint("today", __name__)

#: Tasks on one page of Today.
PAGE_SIZE = 50
#: Colleagues on one page of the manager's picker.
COLLEAGUES_PAGE_SIZE = 50

#: What each kind of reminder is, in the order Today shows them (every kind the reminder service has).
KIND_LABELS = {
    "delivery_callback": N_("Delivery callback"),
    "first_maintenance": N_("First maintenance"),
    "next_maintenance": N_("Next maintenance"),
    "annual_inspection": N_("Vehicle inspection"),
    "renewal": N_("Contract renewal"),
    "insurance_renewal": N_("Insurance renewal"),
    "birthday": N_("Birthday greeting"),
    "vehicle_anniversary": N_("Vehicle anniversary"),
    "holiday_greeting": N_("Festival greeting"),
    "complaint_callback": N_("Complaint callback"),
    "complaint_escalation": N_("Escalated complaint"),
    "contact_cadence": N_("Regular contact"),
    "lost_customer": N_("Lost-customer win-back"),
    "no_show_follow_up": N_("Appointment confirmation and no-show follow-up"),
    "broadcast": N_("Notice to customers"),
}
#: Rules with a label of their own within their kind (the two delivery callbacks).
RULE_LABELS = {
    "delivery_callback_3d": N_("3-day delivery callback"),
    "delivery_callback_1m": N_("1-month delivery callback"),
}
#: How a task can end (the reminder service's outcomes).
OUTCOME_LABELS = {
    "reached": N_("Reached"),
    "booked": N_("Booked an appointment"),
    "not_reached": N_("Not reached"),
    "declined": N_("Refused"),
    "won_back": N_("Won back"),
    "lost": N_("Lost for good"),
    "other": N_("Other"),
}
#: Outcomes that only make sense for a lost customer's win-back.
LOST_ONLY = ("won_back", "lost")
STATUS_LABELS = {
    "due": N_("Due"), "claimed": N_("Claimed"), "snoozed": N_("Snoozed"), "done": N_("Done"),
    "cancelled": N_("Cancelled"), "scheduled": N_("Scheduled"), "sent": N_("Sent"),
}
#: A callback's (回访) channel and the customer's satisfaction, for callback tasks.
CALLBACK_KINDS = ("delivery_callback", "complaint_callback")
CHANNEL_LABELS = {
    "phone": N_("Phone"), "sms": N_("SMS"), "wechat": N_("WeChat"), "questionnaire": N_("Questionnaire"),
    "face_to_face": N_("Face to face"),
}
SATISFACTION_LABELS = {
    "very_satisfied": N_("Very satisfied"), "satisfied": N_("Satisfied"), "neutral": N_("Neutral"),
    "unsatisfied": N_("Unsatisfied"), "very_unsatisfied": N_("Very unsatisfied"),
}


def zone() -> ZoneInfo:
    """The business time zone."""
    return ZoneInfo(current_app.extensions["console"].settings.time_zone)


def local_time(value: str) -> str | None:
    """A time typed in a datetime-local field (the business time zone) as ISO 8601 with its offset; None when
    empty, the text as typed when it is not a time (the API then says what is wrong with it)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone())).isoformat()


def page_number(name: str = "page") -> int:
    """A page number from the query (1 when absent or not a number)."""
    try:
        return max(1, min(int(request.args.get(name, 1)), 1_000_000))
    except ValueError:
        return 1


def group_label(task: dict[str, Any]) -> str:
    return str(RULE_LABELS.get(task.get("rule") or "") or KIND_LABELS.get(task.get("rule_kind") or "")
               or task.get("rule_name") or task.get("rule_kind") or "")


def groups_of(tasks: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """The page's tasks by kind (the two delivery callbacks apart), in the order of KIND_LABELS: (key, label, tasks)."""
    order = {kind: index for index, kind in enumerate(KIND_LABELS)}
    grouped: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for task in tasks:
        key = task["rule"] if task.get("rule") in RULE_LABELS else task.get("rule_kind") or ""
        grouped.setdefault(key, []).append(task)

    def rank(key: str) -> tuple[int, str]:
        kind = "delivery_callback" if key in RULE_LABELS else key
        return order.get(kind, len(order)), key

    return [(key, group_label(grouped[key][0]), grouped[key]) for key in sorted(grouped, key=rank)]


def outcomes_for(task: dict[str, Any]) -> list[tuple[str, str]]:
    """The outcomes a task can end with (won back and lost for good only for a lost customer's win-back)."""
    return [(code, str(label)) for code, label in OUTCOME_LABELS.items()
            if code not in LOST_ONLY or task.get("rule_kind") == "lost_customer"]


def labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "outcome_labels": OUTCOME_LABELS, "status_labels": STATUS_LABELS,
            "channel_labels": CHANNEL_LABELS, "satisfaction_labels": SATISFACTION_LABELS,
            "callback_kinds": CALLBACK_KINDS, "outcomes_for": outcomes_for, "group_label": group_label}


def task_filters(owner: str, store: str) -> dict[str, str]:
    """The task list's filters for the API: a colleague's tasks, a store's, or the person's own."""
    filters = {"store_id": store} if store else {}
    if owner:
        filters["owner"] = owner
    elif not store:
        filters["mine"] = "true"
    return filters


@blp.get("/")
def index():
    person = current_person()
    manager = person.can("manage")
    owner = (request.args.get("owner") or "").strip() if manager else ""
    store = (request.args.get("store") or "").strip() if manager else ""
    number = page_number()
    filters: dict[str, Any] = {"page": number, "page_size": PAGE_SIZE, **task_filters(owner, store)}
    calls = {"tasks": lambda a: a.page("/reminders/tasks", **filters)}
    if manager:
        colleagues_page = page_number("colleagues_page")
        calls["colleagues"] = lambda a: a.page("/users", store=store or None, page=colleagues_page,
                                               page_size=COLLEAGUES_PAGE_SIZE)
        calls["stores"] = lambda a: a.page("/stores", page_size=100)
    found = api().gather(calls)
    tasks, colleagues, stores = found["tasks"], found.get("colleagues"), found.get("stores")
    colleague_options = [("", _("My own tasks"))]
    if isinstance(colleagues, Page):
        colleague_options += [(user["username"], f"{user['display_name']} ({user['username']})"
                               if user.get("display_name") else user["username"]) for user in colleagues.items]
    if owner and owner not in {value for value, _label in colleague_options}:
        colleague_options.append((owner, owner))
    store_options = [("", _("Any store"))]
    if isinstance(stores, Page):
        store_options += [(item["id"], item.get("name") or item["id"]) for item in stores.items]
    args = {name: value for name, value in (("owner", owner), ("store", store)) if value}
    return render_template("today/index.html", tasks=tasks, groups=[] if isinstance(tasks, ApiError)
                           else groups_of(tasks.items), owner=owner, store=store, args=args,
                           colleagues=colleagues, stores=stores, colleague_options=colleague_options,
                           store_options=store_options, **labels())


def _task_row(task: dict[str, Any], status: int = 200, errors: dict | None = None, error: ApiError | None = None,
              form: dict | None = None, message: str | None = None):
    return render_template("today/_task.html", task=task, errors=errors or {}, error=error, form=form or {},
                           message=message, **labels()), status


def _task_or_404(reminder_id: str) -> dict[str, Any]:
    try:
        return api().get(f"/reminders/{reminder_id}")
    except ApiError as error:
        if error.status == 404:
            abort(404)
        raise


@blp.post("/today/tasks/<uuid:reminder_id>/complete")
def complete(reminder_id):
    """Finish a task with its outcome; 'booked' leads to the booking form (which completes it once booked)."""
    task = _task_or_404(str(reminder_id))
    form = request.form
    outcome = form.get("outcome", "")
    if outcome == "booked":
        target = url_for("appointments.new", customer_id=task["customer_id"], reminder_id=task["id"],
                         asset_id=task.get("asset_id") or None)
        if request.headers.get("HX-Request"):
            return "", 200, {"HX-Redirect": target}
        return "", 303, {"Location": target}
    body: dict[str, Any] = {"outcome": outcome, "notes": form.get("notes", "").strip() or None}
    if task.get("rule_kind") == "lost_customer":
        body["lost_reason"] = form.get("lost_reason", "").strip() or None
    if task.get("rule_kind") in CALLBACK_KINDS and form.get("callback.satisfaction"):
        body["callback"] = {"channel": form.get("callback.channel") or "phone",
                            "satisfaction": form["callback.satisfaction"]}
    try:
        done = api().post(f"/reminders/{reminder_id}/complete", body)
    except ApiError as error:
        if error.status == 422:
            return _task_row(task, 422, errors=error.errors, error=error, form=form)
        if error.status in (403, 404, 409, 412) or error.unavailable:
            return _task_row(task, error.status, error=error, form=form)
        raise
    if not request.headers.get("HX-Request"):
        return "", 303, {"Location": url_for("today.index")}
    return _task_row(done, message=_("Completed: %(outcome)s", outcome=OUTCOME_LABELS.get(outcome, outcome)))


@blp.post("/today/tasks/<uuid:reminder_id>/claim")
def claim(reminder_id):
    """Take a task that is someone else's or no one's: the signed-in person becomes its owner."""
    try:
        claimed = api().post(f"/reminders/{reminder_id}/claim")
    except ApiError as error:
        if error.status in (403, 409, 412, 422) or error.unavailable:
            return _task_row(_task_or_404(str(reminder_id)), error.status, error=error, errors=error.errors)
        if error.status == 404:
            abort(404)
        raise
    if not request.headers.get("HX-Request"):
        return "", 303, {"Location": url_for("today.index")}
    return _task_row(claimed, message=_("Claimed: the task is yours now."))


@blp.post("/today/tasks/<uuid:reminder_id>/snooze")
def snooze(reminder_id):
    """Put a task aside until a date and time (the business time zone)."""
    task = _task_or_404(str(reminder_id))
    until = local_time(request.form.get("until", ""))
    if until is None:
        return _task_row(task, 422, errors={"until": [_("Choose until when.")]}, form=request.form)
    try:
        snoozed = api().post(f"/reminders/{reminder_id}/snooze", {"until": until})
    except ApiError as error:
        if error.status == 422:
            return _task_row(task, 422, errors=error.errors, error=error, form=request.form)
        if error.status in (403, 404, 409, 412) or error.unavailable:
            return _task_row(task, error.status, error=error, form=request.form)
        raise
    if not request.headers.get("HX-Request"):
        return "", 303, {"Location": url_for("today.index")}
    return _task_row(snoozed, message=_("Snoozed"))
