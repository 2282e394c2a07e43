"""The lists that can be worked in bulk (Complaints, Today, the customer search), and taking one action on the
rows chosen in one of them: the result page, or why nothing was done."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from console.api import Api, ApiError
from console.people import current_person
from console.views import complaints, customers, today
from console.views.bulk.common import ACTIONS
from console.views.bulk.rows import Outcome, Row, TooMany, matching_rows, reason, run, ticked_rows


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


def render_result(screen: Screen, args: dict[str, Any], *, outcome: Outcome | None = None, refused: str | None = None,
            status: int = 200):
    return render_template("bulk/result.html", outcome=outcome, refused=refused, actions=ACTIONS,
                           back=url_for(screen.endpoint, **args)), status


def _chosen(screen: Screen, args: dict[str, str]) -> list[Row]:
    if request.form.get("all"):
        return matching_rows(screen, screen.api_filters(args))
    return ticked_rows(request.form)


def chosen_rows(screen: Screen, args: dict[str, str]) -> tuple[list[Row], Any]:
    """The chosen rows; or none and the page saying why nothing was done."""
    try:
        rows = _chosen(screen, args)
    except TooMany as many:
        return [], render_result(screen, args, status=422, refused=_(
            "%(total)s rows match this filter; one bulk action takes at most %(limit)s. Nothing was done: narrow "
            "the filter and try again.", total=many.total, limit=many.limit))
    except ApiError as error:
        return [], render_result(screen, args, status=error.status if error.status < 500 else 200, refused=_(
            "The rows matching this filter could not be listed, so nothing was done: %(reason)s",
            reason=reason(error)))
    if not rows:
        return [], render_result(screen, args, status=422, refused=_(
            "No row was chosen: tick the rows to act on, or choose every row matching this filter."))
    return rows, None


def act(name: str, action: str, call: Callable[[Api, Row], Any], *, check: str | None = None):
    """Take `action` on the rows chosen in list `name`'s bulk form; the result page (or why nothing was done)."""
    screen = SCREENS[name]
    args = screen.args(request.form)
    if check:
        return render_result(screen, args, refused=check, status=422)
    rows, refusal = chosen_rows(screen, args)
    return refusal or render_result(screen, args, outcome=run(action, rows, call))
