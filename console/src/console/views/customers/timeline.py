"""The customer 360 page's timeline: visits, complaints, reminders and tasks, appointments, points changes and
history as one list, newest first, and the calls that fetch its parts (all of them, or a page of one)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from console.i18n import language
from console.views.customers.common import business_zone, items, moment
from console.views.customers.words import edit_labels, word

#: The parts of the timeline, in the order the page lists them.
TIMELINE_PARTS = ("visits", "complaints", "reminders", "appointments", "points", "history")
#: How far back the whole timeline lists reminders and appointments (which the API lists soonest first).
RECENT_DAYS = 90
#: How far ahead the whole timeline lists reminders (those planned further out are on the part's own pages).
COMING_DAYS = 30


def part_names() -> dict[str, str]:
    return {"visits": _("Visits"), "complaints": _("Complaints"), "reminders": _("Reminders and tasks"),
            "appointments": _("Appointments"), "points": _("Points changes"), "history": _("History")}


def part_calls(customer_id: str, number: int, size: int, only: str | None) -> dict[str, Any]:
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


@dataclass(frozen=True)
class Vocabulary:
    """The words an entry is told in: the API's codes (labels()), the profile's fields, and how a list of
    fields is joined in the person's language."""

    words: dict[str, dict[str, str]]
    fields: dict[str, str]
    separator: str


#: An entry of the timeline before it is dated: when, a title, details and a link (plain text: the template
#: escapes them).
Entry = tuple[str | None, str, str, str | None]


def _joined(*bits: str) -> str:
    return " · ".join(bit for bit in bits if bit)


def _coded(vocabulary: Vocabulary, group: str, details: dict[str, Any]) -> str:
    """A coded detail of a visit in words (nothing when absent or unknown)."""
    return vocabulary.words[group].get(details[group], "") if details.get(group) else ""


def _visit(visit: dict[str, Any], vocabulary: Vocabulary) -> Entry:
    details = visit.get("details") or {}
    km = _("%(km)s km", km=details["odometer_km"]) if details.get("odometer_km") is not None else ""
    amount = "¥" + str(details["amount"]) if details.get("amount") else ""
    detail = _joined(_coded(vocabulary, "service_type", details), km, amount, _coded(vocabulary, "channel", details),
                     _coded(vocabulary, "satisfaction", details), details.get("purpose") or "",
                     details.get("outcome") or "", details.get("event_name") or "", visit.get("notes") or "",
                     _("voided") if visit.get("voided_at") else "")
    return visit.get("occurred_at"), word("visit", visit.get("kind")), detail, None


def _complaint(complaint: dict[str, Any], _vocabulary: Vocabulary) -> Entry:
    return (complaint.get("filed_at"),
            _("Complaint: %(status)s", status=word("complaint_status", complaint.get("status"))),
            _joined(word("severity", complaint.get("severity")), complaint.get("description") or ""),
            f"/complaints/{complaint['id']}")


def _reminder(reminder: dict[str, Any], _vocabulary: Vocabulary) -> Entry:
    return (reminder.get("completed_at") or reminder.get("due_at"),
            _("%(kind)s: %(status)s", kind=word("reminder", reminder.get("rule_kind")),
              status=word("reminder_status", reminder.get("status"))),
            reminder.get("reason_text") or reminder.get("reason") or "", None)


def _appointment(appointment: dict[str, Any], _vocabulary: Vocabulary) -> Entry:
    vehicle = (appointment.get("vehicle") or {}).get("label") or ""
    return (appointment.get("scheduled_at"),
            _("Appointment: %(purpose)s", purpose=word("purpose", appointment.get("purpose"))),
            _joined(word("appointment_status", appointment.get("status")), vehicle), None)


def _points(entry: dict[str, Any], _vocabulary: Vocabulary) -> Entry:
    return (entry.get("at"),
            _("Points %(kind)s: %(points)s", kind=word("points", entry.get("kind")),
              points=f'{entry.get("points", 0):+d}'),
            entry.get("reason") or "", None)


def _history(change: dict[str, Any], vocabulary: Vocabulary) -> Entry:
    fields = vocabulary.separator.join(vocabulary.fields.get(field, field)
                                       for field in sorted((change.get("changes") or {}).keys()))
    return change.get("at"), word("history", change.get("action")), _joined(change.get("actor") or "", fields), None


#: How each part's items become entries, in the order the parts are listed.
ENTRIES: tuple[tuple[str, Callable[[dict[str, Any], Vocabulary], Entry]], ...] = (
    ("visits", _visit), ("complaints", _complaint), ("reminders", _reminder), ("appointments", _appointment),
    ("points", _points), ("history", _history))


def _vocabulary(words: dict[str, dict[str, str]]) -> Vocabulary:
    fields = {**{name: label for name, label in edit_labels().items() if "." not in name},
              "visit": _("Visit"), "asset": _("Vehicle"), "key_customer": _("Key customer"),
              "blacklisted": _("Blacklisted"), "blacklist_reason": _("Blacklist reason"),
              "credit_limit": _("Credit limit"), "consent": _("Consents"), "quiet_hours": _("Quiet hours"),
              "store_id": _("Store")}
    return Vocabulary(words, fields, ", " if language() == "en" else "、")


def timeline(parts: dict[str, Any], words: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """The parts' items as one list, newest first (an item without a date is left out). Each entry: when, what
    part, a title, details and a link (all plain text: the template escapes them)."""
    vocabulary = _vocabulary(words)
    entries: list[dict[str, Any]] = []
    for part, entry_of in ENTRIES:
        for item in items(parts.get(part)):
            at, title, detail, link = entry_of(item, vocabulary)
            when = moment(at)
            if when is not None:
                entries.append({"at": at, "sort": when, "part": part, "title": title, "detail": detail, "link": link})
    entries.sort(key=lambda entry: entry["sort"], reverse=True)
    return entries
