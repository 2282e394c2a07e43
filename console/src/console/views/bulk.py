"""Working in bulk: many rows of Today, the Complaints list or a customer search chosen at once (ticked one by one,
or every row matching the list's filter), and one action taken on each of them: assign, snooze, complete, tag,
export.

The API has no bulk calls: each row is its own call, a few at a time (CRM_CONSOLE_BULK_CONCURRENCY), and the
result page says how many succeeded and lists every row that failed with the API's reason. "Every row matching
this filter" pages the API with the list's own filters first; when more rows match than one action takes
(CRM_CONSOLE_BULK_LIMIT) it says so and does nothing rather than a part.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_
from werkzeug.datastructures import MultiDict

from console.api import Api, ApiError, api
from console.people import current_person
from console.views import complaints, customers, today
from console.views.data import EXPORT_FILTERS
from console.views.reports import XLSX, workbook_of

blp = Blueprint("bulk", __name__)

#: Rows asked for at once while finding every row matching a filter (the services' largest page).
RESOLVE_PAGE_SIZE = 200
#: What a row id looks like (ids go into API paths).
ROW_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ACTIONS = {"assign": N_("Assign"), "snooze": N_("Snooze"), "complete": N_("Complete"), "tag": N_("Add a tag"),
           "export": N_("Export")}
#: Outcomes a bulk completion may give (booking an appointment is done one task at a time, on its form).
BULK_OUTCOMES = tuple(code for code in today.OUTCOME_LABELS if code != "booked")
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Row:
    """One chosen row: its id, its name as the list shows it, and what the API said of it when it was listed."""

    id: str
    name: str
    item: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class Outcome:
    """What a bulk action did: the rows it succeeded on, and each failure with the API's reason."""

    action: str
    succeeded: list[Row] = field(default_factory=list)
    failed: list[tuple[Row, str]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)


class TooMany(Exception):
    """More rows match the filter than one bulk action takes."""

    def __init__(self, total: int, limit: int) -> None:
        super().__init__(total)
        self.total, self.limit = total, limit


@dataclass(frozen=True)
class Screen:
    """A list that can be worked in bulk: where it is, how the API lists it, and how a row is named."""

    endpoint: str
    path: str
    #: The list's own query arguments, from the bulk form's `filter.<name>` fields.
    args: Callable[[Mapping[str, str]], dict[str, str]]
    #: The API's filters for those arguments.
    api_filters: Callable[[dict[str, str]], dict[str, str]]
    name_of: Callable[[dict[str, Any]], str]


def _known(names: tuple[str, ...]) -> Callable[[Mapping[str, str]], dict[str, str]]:
    def args(form: Mapping[str, str]) -> dict[str, str]:
        values = {name: (form.get(f"filter.{name}") or "").strip() for name in names}
        return {name: value for name, value in values.items() if value}
    return args


def _today_args(form: Mapping[str, str]) -> dict[str, str]:
    person = current_person()
    return _known(("owner", "store"))(form) if person and person.can("manage") else {}


def _complaint_name(item: dict[str, Any]) -> str:
    name = item.get("customer_name") or _("(name unknown)")
    description = str(item.get("description") or "")
    return f"{name} · {description[:30]}{'…' if len(description) > 30 else ''}" if description else name


SCREENS = {
    "complaints": Screen("complaints.index", "/complaints", _known(complaints.FILTERS), lambda args: args,
                         _complaint_name),
    "today": Screen("today.index", "/reminders/tasks", _today_args,
                    lambda args: today.task_filters(args.get("owner", ""), args.get("store", "")),
                    lambda item: item.get("customer_name") or _("Customer (personal data erased)")),
    "customers": Screen("customers.index", "/customers", _known(customers.LIST_FILTERS), lambda args: args,
                        lambda item: item.get("name") or item.get("id", "")),
}


def settings():
    return current_app.extensions["console"].settings


@blp.app_context_processor
def _words() -> dict[str, Any]:
    return {"bulk_limit": settings().bulk_limit,
            "bulk_outcomes": [(code, str(today.OUTCOME_LABELS[code])) for code in BULK_OUTCOMES]}


# -- which rows -----------------------------------------------------------------------------------------------


def matching_rows(screen: Screen, filters: dict[str, str]) -> list[Row]:
    """Every row the API lists with `filters`, paging through it; TooMany beyond the bulk limit."""
    limit = settings().bulk_limit
    size = min(RESOLVE_PAGE_SIZE, max(limit, 1))
    first = api().page(screen.path, page=1, page_size=size, **filters)
    if first.total > limit:
        raise TooMany(first.total, limit)
    pages = [first]
    rest = range(2, -(-first.total // size) + 1)
    found = api().gather({str(number): _page_of(screen.path, number, size, filters) for number in rest})
    for number in rest:
        if isinstance(found[str(number)], ApiError):
            raise found[str(number)]
        pages.append(found[str(number)])
    rows: dict[str, Row] = {}
    for item in (item for listed in pages for item in listed.items):
        rows.setdefault(str(item["id"]), Row(str(item["id"]), screen.name_of(item), item))
    return list(rows.values())[:limit]


def ticked_rows(form: MultiDict[str, str]) -> list[Row]:
    """The rows ticked one by one, named as the list showed them."""
    ids = dict.fromkeys(value for value in form.getlist("ids") if ROW_ID.fullmatch(value or ""))
    return [Row(row_id, form.get(f"name.{row_id}") or row_id) for row_id in ids]


def run(action: str, rows: list[Row], call: Callable[[Api, Row], Any]) -> Outcome:
    """`call` on every row, a few at a time; each success and each failure with its reason."""
    outcome = Outcome(action)
    at_once = max(1, settings().bulk_concurrency)
    for start in range(0, len(rows), at_once):
        chunk = rows[start:start + at_once]
        results = api().gather({row.id: _call_on(call, row) for row in chunk})
        for row in chunk:
            result = results[row.id]
            if isinstance(result, ApiError):
                outcome.failed.append((row, reason(result)))
            else:
                outcome.succeeded.append(row)
                outcome.results[row.id] = result
    return outcome


def _page_of(path: str, number: int, size: int, filters: dict[str, Any]) -> Callable[[Api], Any]:
    """A call fetching page `number` of `path`."""
    return lambda a: a.page(path, page=number, page_size=size, **filters)


def _call_on(call: Callable[[Api, Row], Any], row: Row) -> Callable[[Api], Any]:
    """`call` bound to `row`."""
    return lambda a: call(a, row)


def reason(error: ApiError) -> str:
    """Why the API refused a row, in its own words (with a 422's messages by field)."""
    if error.unavailable:
        return _("The part of the system that does this is unavailable; try again shortly.")
    messages = [message for found in error.errors.values() for message in found]
    return " ".join([error.message, *[message for message in messages if message != error.message]])


def _render(screen: Screen, args: dict[str, Any], *, outcome: Outcome | None = None, refused: str | None = None,
            status: int = 200):
    return render_template("bulk/result.html", outcome=outcome, refused=refused, actions=ACTIONS,
                           back=url_for(screen.endpoint, **args)), status


def _chosen(screen: Screen, args: dict[str, str]) -> list[Row]:
    if request.form.get("all"):
        return matching_rows(screen, screen.api_filters(args))
    return ticked_rows(request.form)


def _rows(screen: Screen, args: dict[str, str]) -> tuple[list[Row], Any]:
    """The chosen rows; or none and the page saying why nothing was done."""
    try:
        rows = _chosen(screen, args)
    except TooMany as many:
        return [], _render(screen, args, status=422, refused=_(
            "%(total)s rows match this filter; one bulk action takes at most %(limit)s. Nothing was done: narrow "
            "the filter and try again.", total=many.total, limit=many.limit))
    except ApiError as error:
        return [], _render(screen, args, status=error.status if error.status < 500 else 200, refused=_(
            "The rows matching this filter could not be listed, so nothing was done: %(reason)s",
            reason=reason(error)))
    if not rows:
        return [], _render(screen, args, status=422, refused=_(
            "No row was chosen: tick the rows to act on, or choose every row matching this filter."))
    return rows, None


def _act(name: str, action: str, call: Callable[[Api, Row], Any], *, check: str | None = None):
    """Take `action` on the rows chosen in list `name`'s bulk form; the result page (or why nothing was done)."""
    screen = SCREENS[name]
    args = screen.args(request.form)
    if check:
        return _render(screen, args, refused=check, status=422)
    rows, refusal = _rows(screen, args)
    return refusal or _render(screen, args, outcome=run(action, rows, call))


# -- Complaints -----------------------------------------------------------------------------------------------


@blp.post("/bulk/complaints")
def complaints_bulk():
    """Assign the chosen complaints to one department and person, or export them."""
    action = request.form.get("action", "")
    if action == "export":
        return _export_complaints()
    if action != "assign":
        return _render(SCREENS["complaints"], SCREENS["complaints"].args(request.form), status=422,
                       refused=_("Choose what to do with the chosen rows."))
    body = {"department": request.form.get("department", "").strip(),
            "assignee": request.form.get("assignee", "").strip()}
    missing = None if body["department"] and body["assignee"] else _("Choose the department and the assignee.")
    return _act("complaints", action, lambda a, row: a.post(f"/complaints/{row.id}/assign", body), check=missing)


COMPLAINT_COLUMNS = (("id", N_("Complaint number")), ("customer_name", N_("Customer")),
                     ("description", N_("Complaint")), ("category", N_("Category")), ("severity", N_("Severity")),
                     ("status", N_("Status")), ("department", N_("Department")), ("assignee", N_("Assignee")),
                     ("store_id", N_("Store")), ("filed_at", N_("Filed")))


def complaint_table(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The complaints as one table, their codes in words."""
    words = {"category": complaints.CATEGORIES, "severity": complaints.SEVERITIES,
             "status": complaints.STATUSES, "department": complaints.DEPARTMENTS}

    def cell(item: dict[str, Any], name: str) -> str:
        value = item.get(name)
        if value in (None, ""):
            return ""
        return str(words[name].get(value, value)) if name in words else str(value)

    return {"title": str(_("Complaints")), "columns": [str(label) for _name, label in COMPLAINT_COLUMNS],
            "rows": [[cell(item, name) for name, _label in COMPLAINT_COLUMNS] for item in items]}


def _export_complaints():
    """The chosen complaints as a CSV or Excel file; if any could not be read, no file but the failures."""
    screen = SCREENS["complaints"]
    args = screen.args(request.form)
    fmt = request.form.get("format") if request.form.get("format") in FORMATS else "csv"
    rows, refusal = _rows(screen, args)
    if refusal:
        return refusal
    read = run("export", rows, lambda a, row: row.item or a.get(f"/complaints/{row.id}"))
    if read.failed:
        return _render(screen, args, outcome=read)
    table = complaint_table([read.results[row.id] for row in rows])
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if fmt == "xlsx":
        content, media = workbook_of([table]), XLSX
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(table["columns"])
        writer.writerows(table["rows"])
        content, media = ("\ufeff" + out.getvalue()).encode(), "text/csv; charset=utf-8"
    return Response(content, content_type=media,
                    headers={"Content-Disposition": f'attachment; filename="complaints-{stamp}.{fmt}"'})


# -- Today ----------------------------------------------------------------------------------------------------


@blp.post("/bulk/today")
def today_bulk():
    """Snooze the chosen tasks until one time, complete them with one outcome, or assign them to a colleague."""
    form = request.form
    action = form.get("action", "")
    if action == "snooze":
        until = today.local_time(form.get("until", ""))
        return _act("today", action, lambda a, row: a.post(f"/reminders/{row.id}/snooze", {"until": until}),
                    check=None if until else _("Choose until when."))
    if action == "complete":
        outcome = form.get("outcome", "")
        return _act("today", action, lambda a, row: a.post(f"/reminders/{row.id}/complete", {"outcome": outcome}),
                    check=None if outcome in BULK_OUTCOMES else _("Choose the outcome."))
    if action == "assign":
        assignee = form.get("assignee", "").strip()
        return _act("today", action, lambda a, row: a.post(f"/reminders/{row.id}/assign", {"assignee": assignee}),
                    check=None if assignee else _("Choose the colleague."))
    return _render(SCREENS["today"], SCREENS["today"].args(form), status=422,
                   refused=_("Choose what to do with the chosen rows."))


# -- Customers ------------------------------------------------------------------------------------------------


def add_tag(a: Api, customer_id: str, tag: str) -> Any:
    """Add `tag` to a customer's tags, on the version just read (a customer who has it already is left as is)."""
    customer = a.get(f"/customers/{customer_id}")
    tags = list(customer.get("tags") or [])
    if tag in tags:
        return customer
    return a.patch(f"/customers/{customer_id}", {"tags": [*tags, tag]},
                   headers={"If-Match": f'"{customer["version"]}"'})


@blp.post("/bulk/customers")
def customers_bulk():
    """Add a tag to the chosen customers, or export every customer matching the search (the data tools' export)."""
    form = request.form
    action = form.get("action", "")
    screen = SCREENS["customers"]
    if action == "export":
        args = screen.args(form)
        if set(args) - set(EXPORT_FILTERS):
            return _render(screen, args, status=422, refused=_(
                "The export cannot filter by key customer or blacklisted: clear those filters to export."))
        fmt = form.get("format") if form.get("format") in FORMATS else "csv"
        return redirect(url_for("data.export_download", format=fmt, **args), 303)
    if action == "tag":
        tag = form.get("tag", "").strip()
        return _act("customers", action, lambda a, row: add_tag(a, row.id, tag),
                    check=None if tag else _("Type the tag to add."))
    return _render(screen, screen.args(form), status=422, refused=_("Choose what to do with the chosen rows."))

