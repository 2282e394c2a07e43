"""Customers: the list, a new customer, and the customer 360 (客户档案) with its actions.

Every figure comes from the API: the customer service (profile, vehicles, visits, points, history), the complaint
service and the reminder service (reminders and tasks, appointments), asked side by side so that a service that
is down leaves its part of the page unavailable while the rest renders.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from console.api import Api, ApiError, Page, api
from console.i18n import language
from console.people import current_person

blp = Blueprint("customers", __name__)

PAGE_SIZE = 20
#: How many entries of each part the 360 page's timeline shows before "more".
TIMELINE_PART = 10
#: How far back the whole timeline lists reminders and appointments (which the API lists soonest first).
RECENT_DAYS = 90
#: How far ahead the whole timeline lists reminders (those planned further out are on the part's own pages).
COMING_DAYS = 30
#: How many vehicles the 360 page shows odometer readings for, and how many readings each.
VEHICLES_SHOWN, READINGS_SHOWN = 5, 5
#: Filters of the customer list the API takes (SearchArgs), as the list's query arguments.
LIST_FILTERS = ("q", "kind", "stage", "owner", "store_id", "tag", "tier", "intent_grade", "key_customer",
                "blacklisted")
SEARCH_WORDS = re.compile(r"[,，、;；\s]+")


def labels() -> dict[str, dict[str, str]]:
    """The API's codes in words, in the person's language."""
    return {
        "kind": {"prospect": _("Prospect"), "owner": _("Owner")},
        "stage": {"lead": _("Lead"), "prospect": _("Interested"), "owner": _("Bought"), "loyal": _("Loyal"),
                  "lost": _("Lost")},
        "tier": {"regular": _("Regular member"), "silver": _("Silver member"), "gold": _("Gold member"),
                 "diamond": _("Diamond member")},
        "visit": {"store": _("Store visit"), "delivery": _("Delivery"), "service": _("Service visit"),
                  "callback": _("Callback"), "sales_call": _("Sales call"), "event": _("Event")},
        "service_type": {"maintenance": _("Maintenance"), "repair": _("Repair"), "inspection": _("Annual inspection"),
                         "check": _("Check-up"), "warranty": _("Warranty"), "recall": _("Recall"),
                         "accident": _("Accident repair"), "other": _("Other")},
        "channel": {"phone": _("Phone"), "sms": _("SMS"), "questionnaire": _("Questionnaire"),
                    "face_to_face": _("Face to face"), "wechat": _("WeChat")},
        "satisfaction": {"very_satisfied": _("Very satisfied"), "satisfied": _("Satisfied"), "neutral": _("Neutral"),
                         "unsatisfied": _("Unsatisfied"), "very_unsatisfied": _("Very unsatisfied")},
        "reminder": {"delivery_callback": _("Delivery callback"), "first_maintenance": _("First maintenance"),
                     "next_maintenance": _("Next maintenance"), "annual_inspection": _("Annual inspection"),
                     "renewal": _("Contract renewal"), "insurance_renewal": _("Insurance renewal"),
                     "birthday": _("Birthday greeting"), "vehicle_anniversary": _("Purchase anniversary"),
                     "holiday_greeting": _("Festival greeting"), "complaint_callback": _("Complaint callback"),
                     "contact_cadence": _("Regular contact"), "lost_customer": _("Lost customer win-back"),
                     "no_show_follow_up": _("No-show follow-up"), "broadcast": _("Announcement"),
                     "complaint_escalation": _("Complaint escalation")},
        "reminder_status": {"scheduled": _("Planned"), "due": _("Due"), "claimed": _("Claimed"),
                            "snoozed": _("Snoozed"), "sent": _("Sent"), "done": _("Done"),
                            "cancelled": _("Cancelled")},
        "appointment_status": {"booked": _("Booked"), "kept": _("Kept"), "no_show": _("No-show"),
                               "cancelled": _("Cancelled")},
        "purpose": {"maintenance": _("Maintenance"), "repair": _("Repair"), "inspection": _("Annual inspection"),
                    "renewal": _("Insurance renewal"), "test_drive": _("Test drive"), "delivery": _("Delivery"),
                    "consultation": _("Consultation")},
        "complaint_status": {"filed": _("Filed"), "acknowledged": _("Acknowledged"), "assigned": _("Assigned"),
                             "in_progress": _("In progress"), "resolved": _("Resolved"),
                             "callback": _("Awaiting callback"), "closed": _("Closed"), "reopened": _("Reopened"),
                             "rejected": _("Rejected")},
        "severity": {"minor": _("Minor"), "normal": _("Normal"), "serious": _("Serious"), "critical": _("Critical")},
        "points": {"earn": _("Earned"), "redeem": _("Redeemed"), "adjust": _("Adjusted"), "expire": _("Expired")},
        "history": {"created": _("Customer created"), "create": _("Customer created"), "updated": _("Profile edited"),
                    "update": _("Profile edited"), "asset_registered": _("Vehicle registered"),
                    "asset_updated": _("Vehicle corrected"), "asset_voided": _("Vehicle voided"),
                    "made_owner": _("Became an owner"), "merged": _("Merged"), "erased": _("Erased"),
                    "visit_recorded": _("Visit recorded"), "visit_corrected": _("Visit corrected"),
                    "visit_voided": _("Visit voided"), "stage_changed": _("Stage changed"),
                    "tier_changed": _("Membership tier changed"), "odometer_recorded": _("Odometer reading recorded"),
                    "asset_transferred_in": _("Vehicle transferred from another customer"),
                    "asset_transferred_out": _("Vehicle transferred to another customer"),
                    "merged_into": _("Merged into another record"), "unmerged": _("Merge undone"),
                    "consent_changed": _("Consents changed"),
                    "personal_data_exported": _("Personal data exported")},
        "grade": {"H": _("H: buys within 7 days"), "A": _("A: buys within 15 days"),
                  "B": _("B: buys within 30 days"), "C": _("C: buys later")},
    }


def word(group: str, code: Any) -> str:
    """A code of the API in words (the code itself when it is not known)."""
    if code in (None, ""):
        return ""
    return labels()[group].get(code, str(code))


def business_zone() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["console"].settings.time_zone)


def moment(value: str | None) -> datetime | None:
    """An API timestamp (or date) as an aware datetime, for ordering a timeline."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=business_zone())


def local_to_instant(value: str) -> str | None:
    """A <input type=datetime-local> value, meant in the business time zone, as ISO 8601 with its offset."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=business_zone()).isoformat()
    except ValueError:
        return value  # the API says what is wrong with it, beside the field


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def tags_of(text: str | None) -> list[str]:
    return [tag for tag in SEARCH_WORDS.split(text or "") if tag]


# ---------------------------------------------------------------------------------------------------- phones

def phone_preview(raw: str) -> dict[str, Any]:
    """What a typed phone number will be stored as (mainland China by default), or why it cannot be."""
    raw = (raw or "").strip()
    if not raw:
        return {"raw": raw}
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return {"raw": raw, "invalid": True}
    if not phonenumbers.is_valid_number(number):
        return {"raw": raw, "invalid": True}
    return {"raw": raw, "e164": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            "shown": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)}


@blp.get("/customers/phone")
def phone():
    """The phone as the person types it, normalised; and the customer who has it already, if any."""
    preview = phone_preview(request.args.get("phone", ""))
    existing = None
    if preview.get("e164"):
        try:
            found = api().get("/customers", phone=preview["e164"], page_size=1)
        except ApiError:
            found = {}
        existing = next(iter(found.get("items") or []), None)
    return render_template("customers/_phone.html", preview=preview, existing=existing)


# ---------------------------------------------------------------------------------------------------- the list

@blp.get("/customers")
def index():
    args = {name: request.args.get(name, "").strip() for name in LIST_FILTERS}
    args = {name: value for name, value in args.items() if value}
    number = max(1, request.args.get("page", 1, type=int) or 1)
    parts = api().gather({
        "customers": lambda a: a.get("/customers", page=number, page_size=PAGE_SIZE, **args),
        "stores": lambda a: a.get("/stores", page_size=200),
    })
    found = parts["customers"]
    if isinstance(found, ApiError) and found.status == 422:
        errors, found = found.errors, None
    else:
        errors = {}
        if isinstance(found, ApiError) and not found.unavailable:
            raise found
    stores = parts["stores"]
    store_names = {} if isinstance(stores, ApiError) else {s["id"]: s["name"] for s in stores.get("items", [])}
    return render_template("customers/index.html", page=Page.of_body(found) if isinstance(found, dict) else None,
                           failed=found if isinstance(found, ApiError) else None, args=args, errors=errors,
                           store_names=store_names, labels=labels())


# ---------------------------------------------------------------------------------------------------- new customer

NEW_FIELDS = ("name", "phone", "kind", "intent_grade", "wanted_model", "owner", "deputy_owner", "store_id", "source",
              "email", "tags", "notes", "purchase_type")
CONSENTS = ("sms", "phone", "email", "wechat")


def _choices() -> dict[str, Any]:
    """Who may own a customer and which stores there are, for the form's choices (either may be unavailable)."""
    parts = api().gather({"users": lambda a: a.get("/users", page_size=100),
                          "stores": lambda a: a.get("/stores", page_size=200)})
    users = [] if isinstance(parts["users"], ApiError) else parts["users"]
    stores = [] if isinstance(parts["stores"], ApiError) else parts["stores"].get("items", [])
    users = users if isinstance(users, list) else users.get("items", [])
    return {"user_options": [(user["username"], f'{user.get("display_name") or user["username"]} ({user["username"]})')
                             for user in users if user.get("active", True)],
            "store_options": [(store["id"], store.get("name") or store["id"]) for store in stores]}


def _new_body(form) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in NEW_FIELDS:
        value = blank_to_none(form.get(name))
        if value is None:
            continue
        body[name] = tags_of(value) if name == "tags" else value
    if body.get("kind") != "prospect":
        body.pop("intent_grade", None)
        body.pop("wanted_model", None)
    body["consent"] = {channel: form.get(f"consent.{channel}") == "on" for channel in CONSENTS}
    return body


@blp.route("/customers/new", methods=["GET", "POST"])
def new():
    person = current_person()
    if not person.can("write"):  # a reader is told so on the page (the form would only be refused)
        return render_template("customers/new.html", may_not=True, labels=labels())
    values: dict[str, Any] = {"kind": "prospect"}
    errors: dict[str, list[str]] = {}
    failure = existing = None
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        body = _new_body(request.form)
        try:
            created = api().post("/customers", body)
        except ApiError as refused:
            status = refused.status
            if refused.status == 409 and refused.problem.get("existing_customer_id"):
                try:
                    existing = api().get(f"/customers/{refused.problem['existing_customer_id']}")
                except ApiError:
                    existing = {"id": refused.problem["existing_customer_id"], "name": None}
            elif refused.status == 422:
                errors = refused.errors
                failure = refused
            else:
                failure = refused
        else:
            flash(_("Customer %(name)s created.", name=created["name"]))
            return redirect(url_for("customers.show", customer_id=created["id"]))
    return render_template("customers/new.html", values=values, errors=errors, failure=failure, existing=existing,
                           labels=labels(), consents=CONSENTS, consent_names={
                               channel: _edit_labels()[f"consent.{channel}"] for channel in CONSENTS},
                           **_choices()), status


# ---------------------------------------------------------------------------------------------------- customer 360

def _timeline(parts: dict[str, Any], words: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Visits, complaints, reminders and tasks, appointments, points changes and history as one list, newest
    first. Each entry: when, what kind, a title and details (all plain text: the template escapes them)."""
    entries: list[dict[str, Any]] = []
    names = {**{name: label for name, label in _edit_labels().items() if "." not in name},
             "visit": _("Visit"), "asset": _("Vehicle"), "key_customer": _("Key customer"),
             "blacklisted": _("Blacklisted"), "blacklist_reason": _("Blacklist reason"),
             "credit_limit": _("Credit limit"), "consent": _("Consents"), "quiet_hours": _("Quiet hours"),
             "store_id": _("Store")}
    separator = ", " if language() == "en" else "、"

    def add(at: str | None, part: str, title: str, detail: str = "", link: str | None = None) -> None:
        when = moment(at)
        if when is not None:
            entries.append({"at": at, "sort": when, "part": part, "title": title, "detail": detail, "link": link})

    for visit in _items(parts.get("visits")):
        details = visit.get("details") or {}
        bits = [words["service_type"].get(details["service_type"], "") if details.get("service_type") else "",
                _("%(km)s km", km=details["odometer_km"]) if details.get("odometer_km") is not None else "",
                "¥" + str(details["amount"]) if details.get("amount") else "",
                words["channel"].get(details["channel"], "") if details.get("channel") else "",
                words["satisfaction"].get(details["satisfaction"], "") if details.get("satisfaction") else "",
                details.get("purpose") or "", details.get("outcome") or "", details.get("event_name") or "",
                visit.get("notes") or "", _("voided") if visit.get("voided_at") else ""]
        add(visit.get("occurred_at"), "visits", word("visit", visit.get("kind")), " · ".join(b for b in bits if b))
    for complaint in _items(parts.get("complaints")):
        add(complaint.get("filed_at"), "complaints",
            _("Complaint: %(status)s", status=word("complaint_status", complaint.get("status"))),
            " · ".join(b for b in (word("severity", complaint.get("severity")), complaint.get("description") or "")
                       if b), f"/complaints/{complaint['id']}")
    for reminder in _items(parts.get("reminders")):
        at = reminder.get("completed_at") or reminder.get("due_at")
        add(at, "reminders", _("%(kind)s: %(status)s", kind=word("reminder", reminder.get("rule_kind")),
                                status=word("reminder_status", reminder.get("status"))),
            reminder.get("reason_text") or reminder.get("reason") or "")
    for appointment in _items(parts.get("appointments")):
        vehicle = (appointment.get("vehicle") or {}).get("label") or ""
        add(appointment.get("scheduled_at"), "appointments",
            _("Appointment: %(purpose)s", purpose=word("purpose", appointment.get("purpose"))),
            " · ".join(b for b in (word("appointment_status", appointment.get("status")), vehicle) if b))
    for entry in _items(parts.get("points")):
        add(entry.get("at"), "points", _("Points %(kind)s: %(points)s", kind=word("points", entry.get("kind")),
                                         points=f'{entry.get("points", 0):+d}'), entry.get("reason") or "")
    for change in _items(parts.get("history")):
        fields = separator.join(names.get(field, field) for field in sorted((change.get("changes") or {}).keys()))
        add(change.get("at"), "history", word("history", change.get("action")),
            " · ".join(b for b in (change.get("actor") or "", fields) if b))
    entries.sort(key=lambda entry: entry["sort"], reverse=True)
    return entries


def _items(part: Any) -> list[dict[str, Any]]:
    return list(part.get("items") or []) if isinstance(part, dict) else []


#: The parts of the timeline: (name, what the "more" link says, the call for a page of it).
TIMELINE_PARTS = ("visits", "complaints", "reminders", "appointments", "points", "history")


def _part_calls(customer_id: str, number: int, size: int, only: str | None) -> dict[str, Any]:
    """The calls for the timeline's parts. Reminders and appointments are listed soonest first: on the whole
    timeline they start RECENT_DAYS ago and reminders end COMING_DAYS ahead (so it shows what is recent and
    coming rather than the oldest ones or next year's greetings); a part's own pages ("more") list them all."""
    today = datetime.now(business_zone())
    since = None if only else (today - timedelta(days=RECENT_DAYS)).isoformat()
    until = None if only else (today + timedelta(days=COMING_DAYS)).isoformat()
    calls = {
        "visits": lambda a: a.get(f"/customers/{customer_id}/visits", page=number, page_size=size),
        "complaints": lambda a: a.get("/complaints", customer_id=customer_id, page=number, page_size=size),
        "reminders": lambda a: a.get("/reminders", customer_id=customer_id, due_from=since, due_to=until, page=number,
                                     page_size=size),
        "appointments": lambda a: a.get("/appointments", customer_id=customer_id, page=number, page_size=size,
                                        **{"from": since}),
        "points": lambda a: a.get(f"/customers/{customer_id}/points", page=number, page_size=size),
        "history": lambda a: a.get(f"/customers/{customer_id}/history", page=number, page_size=size),
    }
    return {name: call for name, call in calls.items() if only in (None, name)}


def _predictions(customer_id: str, reminders: Any) -> dict[str, dict[str, Any]]:
    """The next maintenance planned for each vehicle (first or next), by asset id."""
    found: dict[str, dict[str, Any]] = {}
    for reminder in _items(reminders):
        if reminder.get("rule_kind") in ("first_maintenance", "next_maintenance") and reminder.get("asset_id") \
                and reminder.get("status") in ("scheduled", "due", "claimed", "snoozed"):
            found.setdefault(reminder["asset_id"], reminder)
    return found


def _readings_of(customer_id: str, asset_id: str) -> Callable[[Api], Any]:
    """A call fetching the last odometer readings of one of the customer's vehicles."""
    return lambda a: a.get(f"/customers/{customer_id}/assets/{asset_id}/odometer", page_size=READINGS_SHOWN)


def render_360(customer_id: str, *, forms: dict[str, dict[str, Any]] | None = None, status: int = 200):
    """The customer 360 page; `forms` re-opens an action's form with what the person typed and the API's
    messages (a refused visit, vehicle, redemption or flag change)."""
    only = request.args.get("only") if request.args.get("only") in TIMELINE_PARTS else None
    number = max(1, request.args.get("page", 1, type=int) or 1) if only else 1
    size = PAGE_SIZE if only else TIMELINE_PART
    calls = {"customer": lambda a: a.get(f"/customers/{customer_id}"),
             "assets": lambda a: a.get(f"/customers/{customer_id}/assets", page_size=20),
             "maintenance": lambda a: a.get("/reminders", customer_id=customer_id, rule_kind="next_maintenance",
                                            status="scheduled,due,claimed,snoozed", page_size=20),
             "first_maintenance": lambda a: a.get("/reminders", customer_id=customer_id,
                                                  rule_kind="first_maintenance",
                                                  status="scheduled,due,claimed,snoozed", page_size=20),
             **_part_calls(customer_id, number, size, only)}
    parts = api().gather(calls)
    customer = parts.pop("customer")
    if isinstance(customer, ApiError):
        raise customer
    assets = parts.pop("assets")
    vehicles = _items(assets)
    readings = api().gather({
        asset["id"]: _readings_of(customer_id, asset["id"])
        for asset in vehicles[:VEHICLES_SHOWN] if asset.get("kind") == "vehicle"}) if vehicles else {}
    predictions = {**_predictions(customer_id, parts.pop("first_maintenance")),
                   **_predictions(customer_id, parts.pop("maintenance"))}
    words = labels()
    timeline = _timeline(parts, words)
    counts = {name: (parts[name].get("total", 0) if isinstance(parts[name], dict) else None) for name in parts}
    failed = {name: part for name, part in parts.items() if isinstance(part, ApiError)}
    messages = get_flashed_messages()
    page = Page.of_body(parts[only]) if only and isinstance(parts.get(only), dict) else None
    return render_template("customers/show.html", customer=customer, vehicles=vehicles,
                           assets_failed=assets if isinstance(assets, ApiError) else None,
                           readings=readings, predictions=predictions, timeline=timeline, counts=counts,
                           failed=failed, only=only, number=number, size=size, part_names=_part_names(),
                           forms=forms or {}, labels=words, vehicle_options=vehicle_options(vehicles),
                           messages=messages, consents=CONSENTS,
                           page=page), status


def vehicle_options(vehicles: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The customer's vehicles as a visit form's choices: plate and model."""
    return [(asset["id"], " · ".join(filter(None, (asset.get("plate"), asset.get("model")))) or asset.get("vin")
             or asset["id"]) for asset in vehicles]


def _part_names() -> dict[str, str]:
    return {"visits": _("Visits"), "complaints": _("Complaints"), "reminders": _("Reminders and tasks"),
            "appointments": _("Appointments"), "points": _("Points changes"), "history": _("History")}


@blp.get("/customers/<uuid:customer_id>")
def show(customer_id):
    return render_360(str(customer_id))


def _action(customer_id: str, form: str, call, done: str, values: dict[str, Any]):
    """Run an action of the 360 page: on success back to the page with `done` said; when refused, the page again
    with the form open, what the person typed, and the API's messages beside the fields."""
    try:
        call()
    except ApiError as refused:
        if refused.unavailable or refused.status in (403, 404, 409, 412, 422, 428):
            return render_360(customer_id, forms={form: {"values": values, "errors": refused.errors,
                                                         "error": refused}}, status=refused.status)
        raise
    flash(done)
    return redirect(url_for("customers.show", customer_id=customer_id))


VISIT_TEXT = ("staff", "notes", "service_type", "channel", "satisfaction", "purpose", "outcome", "event_name",
              "asset_id", "amount")


@blp.post("/customers/<uuid:customer_id>/visits")
def record_visit(customer_id):
    customer_id = str(customer_id)
    form = request.form
    body: dict[str, Any] = {"kind": form.get("kind", "")}
    for name in VISIT_TEXT:
        value = blank_to_none(form.get(name))
        if value is not None:
            body[name] = value
    if blank_to_none(form.get("odometer_km")) is not None:
        body["odometer_km"] = _number(form["odometer_km"])
    if blank_to_none(form.get("occurred_at")):
        body["occurred_at"] = local_to_instant(form["occurred_at"].strip())
    return _action(customer_id, "visit", lambda: api().post(f"/customers/{customer_id}/visits", body),
                   _("%(kind)s recorded.", kind=word("visit", body["kind"]) or _("Visit")), form.to_dict())


def _number(text: str) -> Any:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return text  # the API says it is not a number, beside the field


@blp.post("/customers/<uuid:customer_id>/vehicles")
def register_vehicle(customer_id):
    customer_id = str(customer_id)
    form = request.form
    body: dict[str, Any] = {"kind": "vehicle"}
    for name in ("model", "plate", "vin", "delivered_on"):
        value = blank_to_none(form.get(name))
        if value is not None:
            body[name] = value
    if blank_to_none(form.get("odometer_km")) is not None:
        body["odometer_km"] = _number(form["odometer_km"])
    return _action(customer_id, "vehicle", lambda: api().post(f"/customers/{customer_id}/assets", body),
                   _("Vehicle registered."), form.to_dict())


@blp.post("/customers/<uuid:customer_id>/redemptions")
def redeem(customer_id):
    customer_id = str(customer_id)
    form = request.form
    body = {"points": _number(form.get("points", "")), "reason": form.get("reason", "").strip()}
    return _action(customer_id, "redeem",
                   lambda: api().post(f"/customers/{customer_id}/points/redemptions", body),
                   _("Points redeemed."), form.to_dict())


@blp.post("/customers/<uuid:customer_id>/lists")
def lists(customer_id):
    """Key customer, blacklist and credit limit (managers; the API refuses anyone else with a 403)."""
    customer_id = str(customer_id)
    form = request.form
    body: dict[str, Any] = {"key_customer": form.get("key_customer") == "on",
                            "blacklisted": form.get("blacklisted") == "on",
                            "credit_limit": blank_to_none(form.get("credit_limit"))}
    if body["blacklisted"]:
        body["blacklist_reason"] = form.get("blacklist_reason", "").strip()
    headers = {"If-Match": f'"{form.get("version", "")}"'}
    return _action(customer_id, "lists",
                   lambda: api().patch(f"/customers/{customer_id}", body, headers=headers),
                   _("Key customer, blacklist and credit limit saved."), form.to_dict())


# ---------------------------------------------------------------------------------------------------- edit

#: The profile fields the edit form changes (as the form names them).
EDIT_FIELDS = ("name", "phone", "kind", "stage", "intent_grade", "wanted_model", "owner", "deputy_owner", "tags",
               "email", "source", "notes", "quiet_hours.start", "quiet_hours.end",
               *(f"consent.{channel}" for channel in CONSENTS))


def form_values(customer: dict[str, Any]) -> dict[str, str]:
    """A customer's editable fields as the edit form shows them (text)."""
    quiet = customer.get("quiet_hours") or {}
    consent = customer.get("consent") or {}
    values = {name: "" if customer.get(name) is None else str(customer[name])
              for name in EDIT_FIELDS if "." not in name}
    values["tags"] = ", ".join(customer.get("tags") or [])
    values["quiet_hours.start"], values["quiet_hours.end"] = quiet.get("start") or "", quiet.get("end") or ""
    for channel in CONSENTS:
        values[f"consent.{channel}"] = "on" if consent.get(channel) else ""
    return values


def submitted_values(form) -> dict[str, str]:
    values = {name: (form.get(name) or "").strip() for name in EDIT_FIELDS}
    for channel in CONSENTS:
        values[f"consent.{channel}"] = "on" if form.get(f"consent.{channel}") == "on" else ""
    return values


def edit_body(changed: dict[str, str], values: dict[str, str]) -> dict[str, Any]:
    """The PATCH body of the fields the person changed (a consent or quiet hours change sends the whole group)."""
    body: dict[str, Any] = {}
    for name in changed:
        if name.startswith("consent."):
            body["consent"] = {channel: values[f"consent.{channel}"] == "on" for channel in CONSENTS}
        elif name.startswith("quiet_hours."):
            start, end = values["quiet_hours.start"], values["quiet_hours.end"]
            body["quiet_hours"] = {"start": start, "end": end} if start or end else None
        elif name == "tags":
            body["tags"] = tags_of(values["tags"])
        else:
            body[name] = values[name] or None
    return body


def _edit_labels() -> dict[str, str]:
    return {"name": _("Name"), "phone": _("Phone"), "kind": _("Kind"), "stage": _("Stage"),
            "intent_grade": _("Intent grade"), "wanted_model": _("Wanted model"), "owner": _("Owner (consultant)"),
            "deputy_owner": _("Deputy owner"), "tags": _("Tags"), "email": _("Email"), "source": _("Source"),
            "notes": _("Notes"), "quiet_hours.start": _("Quiet hours from"), "quiet_hours.end": _("Quiet hours to"),
            "consent.sms": _("Agrees to SMS"), "consent.phone": _("Agrees to phone calls"),
            "consent.email": _("Agrees to email"), "consent.wechat": _("Agrees to WeChat messages")}


@blp.route("/customers/<uuid:customer_id>/edit", methods=["GET", "POST"])
def edit(customer_id):
    customer_id = str(customer_id)
    person = current_person()
    if not person.can("write"):
        abort(403)
    if request.method == "GET":
        customer = api().get(f"/customers/{customer_id}")
        seen = form_values(customer)
        return render_template("customers/edit.html", customer=customer, values=seen, seen=seen, version=customer[
            "version"], errors={}, failure=None, conflict=None, names=_edit_labels(), labels=labels(),
            consents=CONSENTS)
    try:
        seen = json.loads(request.form.get("seen") or "{}")
    except ValueError:
        seen = {}
    values = submitted_values(request.form)
    changed = {name: value for name, value in values.items() if value != seen.get(name, "")}
    version = request.form.get("version", "")
    if not changed:
        flash(_("Nothing was changed."))
        return redirect(url_for("customers.show", customer_id=customer_id))
    try:
        api().patch(f"/customers/{customer_id}", edit_body(changed, values), headers={"If-Match": f'"{version}"'})
    except ApiError as refused:
        if refused.status in (409, 412) and (refused.problem.get("current_version") is not None
                                             or refused.status == 412):
            return _conflict(customer_id, seen, values, changed, refused)
        if refused.status in (403, 409, 412, 422, 428) or refused.unavailable:
            customer = {"id": customer_id, "name": seen.get("name", "")}
            return render_template("customers/edit.html", customer=customer, values=values, seen=seen,
                                   version=version, errors=refused.errors, failure=refused, conflict=None,
                                   names=_edit_labels(), labels=labels(), consents=CONSENTS), refused.status
        raise
    flash(_("Profile saved."))
    return redirect(url_for("customers.show", customer_id=customer_id))


def _conflict(customer_id: str, seen: dict[str, str], values: dict[str, str], changed: dict[str, str],
              refused: ApiError):
    """Someone saved the customer since the person opened the form: show, field by field, what they typed
    next to what the customer is now (and what else changed), with a form holding their changes on top of the
    current record, ready to save again."""
    current = api().get(f"/customers/{customer_id}")
    now = form_values(current)
    rows = []
    for name in EDIT_FIELDS:
        theirs_changed, others_changed = name in changed, now.get(name, "") != seen.get(name, "")
        if theirs_changed or others_changed:
            rows.append({"name": name, "was": seen.get(name, ""), "yours": values[name] if theirs_changed else None,
                         "now": now.get(name, "")})
    retry = {**now, **changed}
    return render_template("customers/edit.html", customer=current, values=retry, seen=now,
                           version=current["version"], errors={}, failure=None,
                           conflict={"rows": rows, "error": refused}, names=_edit_labels(), labels=labels(),
                           consents=CONSENTS), 409
