"""A day's or a week's appointments (预约列表), kept, no-show and cancelled marked; and cancelling one."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, api
from console.people import current_person
from console.views.appointments.common import STATUS_LABELS, blp, labels
from console.views.today import page_number, zone

PAGE_SIZE = 50


def the_day() -> date:
    """The day asked for (?date=YYYY-MM-DD), else today in the business time zone."""
    try:
        return date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return datetime.now(zone()).date()


def _store_options(stores: Any, store: str) -> list[tuple[str, str]]:
    """The stores to filter by (any; those the API lists; the one asked for, even when it does not list it)."""
    options = [("", _("Any store"))]
    if not isinstance(stores, ApiError):
        options += [(item["id"], item.get("name") or item["id"]) for item in stores.items]
    if store and store not in {value for value, _label in options}:
        options.append((store, store))
    return options


def _list_query() -> dict[str, Any]:
    """What the list is asked for: a day or a week, from which day, which status, the person's own, which store."""
    view = "week" if request.args.get("view") == "week" else "day"
    return {"view": view, "day": the_day(),
            "status": request.args.get("status") if request.args.get("status") in STATUS_LABELS else "",
            "mine": request.args.get("mine") == "1", "store": (request.args.get("store") or "").strip()}


def _list_filters(query: dict[str, Any], first: date, last: date) -> dict[str, Any]:
    """The list's filters for the API: the days from `first` up to `last`, and the query's status, store and
    booker."""
    start, end = (datetime.combine(moment, time(0), zone()).isoformat() for moment in (first, last))
    filters = {"from": start, "to": end, "status": query["status"] or None, "store_id": query["store"] or None,
               "page": page_number(), "page_size": PAGE_SIZE}
    person = current_person()
    if query["mine"] and person is not None:  # a page is only ever shown to a signed-in person
        filters["booked_by"] = person.username
    return filters


@blp.get("/appointments")
def index():
    query = _list_query()
    view, day, status, mine, store = (query[name] for name in ("view", "day", "status", "mine", "store"))
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    last = first + timedelta(days=7 if view == "week" else 1)
    filters = _list_filters(query, first, last)
    found = api().gather({"appointments": lambda a: a.page("/appointments", **filters),
                          "stores": lambda a: a.page("/stores", page_size=100)})
    step = timedelta(days=7 if view == "week" else 1)
    args = {"view": view, "date": day.isoformat(), **({"status": status} if status else {}),
            **({"mine": "1"} if mine else {}), **({"store": store} if store else {})}
    return render_template("appointments/index.html", appointments=found["appointments"], view=view, day=day,
                           first=first, last=last - timedelta(days=1), status=status, mine=mine, args=args,
                           store=store, store_options=_store_options(found["stores"], store),
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
