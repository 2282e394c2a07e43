"""What to do about a task, in place on Today: complete it with an outcome (booking leads to the booking form),
claim it, or snooze it."""
from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, api
from console.views.today.common import blp, local_time
from console.views.today.words import CALLBACK_KINDS, OUTCOME_LABELS, labels


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


def _completion(task: dict[str, Any], form) -> dict[str, Any]:
    """What completing the task sends: its outcome and notes, a lost customer's reason, a callback's channel and
    the customer's satisfaction."""
    body: dict[str, Any] = {"outcome": form.get("outcome", ""), "notes": form.get("notes", "").strip() or None}
    if task.get("rule_kind") == "lost_customer":
        body["lost_reason"] = form.get("lost_reason", "").strip() or None
    if task.get("rule_kind") in CALLBACK_KINDS and form.get("callback.satisfaction"):
        body["callback"] = {"channel": form.get("callback.channel") or "phone",
                            "satisfaction": form["callback.satisfaction"]}
    return body


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
    try:
        done = api().post(f"/reminders/{reminder_id}/complete", _completion(task, form))
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
