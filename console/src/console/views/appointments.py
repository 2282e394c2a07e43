"""The Appointments screen (预约): a day's or a week's bookings, kept, no-show and cancelled marked; cancelling one;
and the booking form, reached from a customer or from a task on Today (which it completes as booked)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_  # marked for extraction, translated when shown

from console.api import ApiError, api
from console.people import current_person
from console.views.today import local_time, page_number, zone

blp = Blueprint("appointments", __name__)

PAGE_SIZE = 50
#: An appointment's status (the reminder service's codes).
STATUS_LABELS = {
    "booked": N_("Booked"), "kept": N_("Kept"), "no_show": N_("No-show"), "cancelled": N_("Cancelled"),
}
#: What an appointment is for.
PURPOSE_LABELS = {
    "maintenance": N_("Maintenance"), "repair": N_("Repair"), "inspection": N_("Vehicle inspection"),
    "renewal": N_("Renewal"), "test_drive": N_("Test drive"), "delivery": N_("Delivery"),
    "consultation": N_("Consultation"),
}
#: The purpose a booking made from a task of this kind most likely has.
PURPOSE_OF_KIND = {"annual_inspection": "inspection", "renewal": "renewal", "insurance_renewal": "renewal"}


def the_day() -> date:
    """The day asked for (?date=YYYY-MM-DD), else today in the business time zone."""
    try:
        return date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return datetime.now(zone()).date()


def labels() -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "purpose_labels": PURPOSE_LABELS}


@blp.get("/appointments")
def index():
    view = "week" if request.args.get("view") == "week" else "day"
    day = the_day()
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    last = first + timedelta(days=7 if view == "week" else 1)
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else ""
    mine = request.args.get("mine") == "1"
    store = (request.args.get("store") or "").strip()
    start, end = (datetime.combine(moment, time(0), zone()).isoformat() for moment in (first, last))
    filters = {"from": start, "to": end, "status": status or None, "store_id": store or None,
               "page": page_number(), "page_size": PAGE_SIZE}
    if mine:
        filters["booked_by"] = current_person().username
    found = api().gather({"appointments": lambda a: a.page("/appointments", **filters),
                          "stores": lambda a: a.page("/stores", page_size=100)})
    store_options = [("", _("Any store"))]
    if not isinstance(found["stores"], ApiError):
        store_options += [(item["id"], item.get("name") or item["id"]) for item in found["stores"].items]
    if store and store not in {value for value, _label in store_options}:
        store_options.append((store, store))
    step = timedelta(days=7 if view == "week" else 1)
    args = {"view": view, "date": day.isoformat(), **({"status": status} if status else {}),
            **({"mine": "1"} if mine else {}), **({"store": store} if store else {})}
    return render_template("appointments/index.html", appointments=found["appointments"], view=view, day=day,
                           first=first, last=last - timedelta(days=1), status=status, mine=mine, args=args,
                           store=store, store_options=store_options,
                           previous=(day - step).isoformat(), following=(day + step).isoformat(),
                           today=datetime.now(zone()).date().isoformat(), booked=request.args.get("booked"),
                           task_open=request.args.get("task_open") == "1", **labels())


@blp.post("/appointments/<uuid:appointment_id>/cancel")
def cancel(appointment_id):
    """Call off a booked appointment; the row comes back marked cancelled (or says why it could not be)."""
    reason = request.form.get("reason", "").strip() or None
    try:
        appointment = api().post(f"/appointments/{appointment_id}/cancel", {"reason": reason})
    except ApiError as error:
        if error.status == 404:
            abort(404)
        if error.status in (403, 409, 412, 422) or error.unavailable:
            try:
                appointment = api().get(f"/appointments/{appointment_id}")
            except ApiError:
                raise error from None
            return render_template("appointments/_row.html", appointment=appointment, error=error,
                                   errors=error.errors, **labels()), error.status
        raise
    if not request.headers.get("HX-Request"):
        return redirect(request.referrer or url_for("appointments.index"), 303)
    return render_template("appointments/_row.html", appointment=appointment, error=None, errors={},
                           message=_("Cancelled"), **labels())


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
        form = {"purpose": PURPOSE_OF_KIND.get((task or {}).get("rule_kind"), "maintenance"),
                "asset_id": request.args.get("asset_id") or (task or {}).get("asset_id") or "",
                "scheduled_at": "", "idempotency_key": uuid.uuid4().hex}
        return render_template("appointments/new.html", form=form, errors={}, error=None, customer_id=customer_id,
                               reminder_id=reminder_id, **context, **labels())
    form = request.form
    body = {"customer_id": customer_id, "purpose": form.get("purpose", ""),
            "scheduled_at": local_time(form.get("scheduled_at", "")), "asset_id": form.get("asset_id") or None,
            "reminder_id": reminder_id}
    errors: dict[str, list[str]] = {}
    if body["scheduled_at"] is None:
        errors["scheduled_at"] = [_("Choose the day and time.")]
    key = form.get("idempotency_key") or uuid.uuid4().hex
    try:
        if errors:
            raise ApiError(422, {"errors": errors})
        appointment = api().post("/appointments", body, headers={"Idempotency-Key": key})
    except ApiError as error:
        if error.status in (403, 409, 412, 422) or error.unavailable:
            return render_template("appointments/new.html", form=form, errors=error.errors, error=error,
                                   customer_id=customer_id, reminder_id=reminder_id, **context,
                                   **labels()), error.status
        raise
    task_open = False
    if reminder_id and task is not None and task.get("status") in ("due", "claimed", "snoozed"):
        try:
            api().post(f"/reminders/{reminder_id}/complete", {"outcome": "booked"})
        except ApiError as error:
            if not (error.status in (403, 409, 412, 422) or error.unavailable):
                raise
            task_open = True
    day = datetime.fromisoformat(appointment["scheduled_at"]).astimezone(zone()).date()
    return redirect(url_for("appointments.index", date=day.isoformat(), booked=appointment["id"],
                            **({"task_open": "1"} if task_open else {})), 303)
