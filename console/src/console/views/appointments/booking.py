"""Booking an appointment (预约登记) for a customer, from their page or from a task on Today (which it completes
as booked)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, api
from console.people import current_person
from console.views.appointments.common import PURPOSE_OF_KIND, blp, labels
from console.views.today import local_time, zone


def _booking_context(customer_id: str, reminder_id: str | None) -> dict[str, Any]:
    """The customer, their vehicles and the task the booking comes from, side by side."""
    calls = {"customer": lambda a: a.get(f"/customers/{customer_id}"),
             "assets": lambda a: a.page(f"/customers/{customer_id}/assets", page_size=100)}
    if reminder_id:
        calls["task"] = lambda a: a.get(f"/reminders/{reminder_id}")
    found = api().gather(calls)
    customer = found["customer"]
    if isinstance(customer, ApiError) and customer.status in (404, 422):
        abort(404)
    assets = found["assets"]
    vehicle_options = [("", _("No vehicle"))]
    if not isinstance(assets, ApiError):
        vehicle_options += [(item["id"], " · ".join(str(part) for part in (item.get("plate"), item.get("model"))
                                                    if part) or item["id"]) for item in assets.items]
    return {"customer": customer, "assets": assets, "task": found.get("task"), "vehicle_options": vehicle_options}


def _uuid_arg(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        abort(404)


def _refused_in_place(error: ApiError) -> bool:
    """Whether a refusal is said on the page (beside the form or the task) rather than as an error page."""
    return error.status in (403, 409, 412, 422) or error.unavailable


def _first_form(task: dict[str, Any] | None) -> dict[str, Any]:
    """The booking form as it opens: the purpose and vehicle the task suggests, and a fresh idempotency key."""
    return {"purpose": PURPOSE_OF_KIND.get((task or {}).get("rule_kind") or "", "maintenance"),
            "asset_id": request.args.get("asset_id") or (task or {}).get("asset_id") or "",
            "scheduled_at": "", "idempotency_key": uuid.uuid4().hex}


def _book(customer_id: str, reminder_id: str | None, form) -> dict[str, Any]:
    """Post the booking (a missing day and time is refused here, as the API would, beside the field)."""
    body = {"customer_id": customer_id, "purpose": form.get("purpose", ""),
            "scheduled_at": local_time(form.get("scheduled_at", "")), "asset_id": form.get("asset_id") or None,
            "reminder_id": reminder_id}
    if body["scheduled_at"] is None:
        raise ApiError(422, {"errors": {"scheduled_at": [_("Choose the day and time.")]}})
    key = form.get("idempotency_key") or uuid.uuid4().hex
    return api().post("/appointments", body, headers={"Idempotency-Key": key})


def _complete_task(reminder_id: str | None, task: dict[str, Any] | None) -> bool:
    """Complete the task the booking came from as booked; whether it stays open (the API refused)."""
    if not (reminder_id and task is not None and task.get("status") in ("due", "claimed", "snoozed")):
        return False
    try:
        api().post(f"/reminders/{reminder_id}/complete", {"outcome": "booked"})
    except ApiError as error:
        if not _refused_in_place(error):
            raise
        return True
    return False


@blp.route("/appointments/new", methods=["GET", "POST"])
def new():
    """Book an appointment for a customer (?customer_id=…), from a task when ?reminder_id=… is given."""
    if not current_person().can("write"):
        abort(403)
    source = request.form if request.method == "POST" else request.args
    customer_id = _uuid_arg(source.get("customer_id"))
    if customer_id is None:
        abort(404)
    reminder_id = _uuid_arg(source.get("reminder_id"))
    context = _booking_context(customer_id, reminder_id)
    task = context["task"] if isinstance(context.get("task"), dict) else None
    if request.method == "GET":
        return render_template("appointments/new.html", form=_first_form(task), errors={}, error=None,
                               customer_id=customer_id, reminder_id=reminder_id, **context, **labels())
    form = request.form
    try:
        appointment = _book(customer_id, reminder_id, form)
    except ApiError as error:
        if _refused_in_place(error):
            return render_template("appointments/new.html", form=form, errors=error.errors, error=error,
                                   customer_id=customer_id, reminder_id=reminder_id, **context,
                                   **labels()), error.status
        raise
    task_open = _complete_task(reminder_id, task)
    day = datetime.fromisoformat(appointment["scheduled_at"]).astimezone(zone()).date()
    return redirect(url_for("appointments.index", date=day.isoformat(), booked=appointment["id"],
                            **({"task_open": "1"} if task_open else {})), 303)
