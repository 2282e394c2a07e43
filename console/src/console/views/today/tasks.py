"""The task list of Today: the tasks due or overdue of the signed-in person (or, for a manager, of a colleague or
a store), grouped by kind."""
from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from console.api import ApiError, Page, api
from console.people import current_person
from console.views.today.common import blp, page_number
from console.views.today.words import groups_of, labels

#: Tasks on one page of Today.
PAGE_SIZE = 50
#: Colleagues on one page of the manager's picker.
COLLEAGUES_PAGE_SIZE = 50


def task_filters(owner: str, store: str) -> dict[str, str]:
    """The task list's filters for the API: a colleague's tasks, a store's, or the person's own."""
    filters = {"store_id": store} if store else {}
    if owner:
        filters["owner"] = owner
    elif not store:
        filters["mine"] = "true"
    return filters


def _colleague_options(colleagues: Any, owner: str) -> list[tuple[str, str]]:
    """Whose tasks a manager may show: their own, the colleagues listed, and the one asked for."""
    options = [("", _("My own tasks"))]
    if isinstance(colleagues, Page):
        options += [(user["username"], f"{user['display_name']} ({user['username']})"
                     if user.get("display_name") else user["username"]) for user in colleagues.items]
    if owner and owner not in {value for value, _label in options}:
        options.append((owner, owner))
    return options


def _store_options(stores: Any) -> list[tuple[str, str]]:
    options = [("", _("Any store"))]
    if isinstance(stores, Page):
        options += [(item["id"], item.get("name") or item["id"]) for item in stores.items]
    return options


def _calls(filters: dict[str, Any], manager: bool, store: str) -> dict[str, Any]:
    """The tasks, and for a manager the colleagues and stores to pick from."""
    calls = {"tasks": lambda a: a.page("/reminders/tasks", **filters)}
    if manager:
        colleagues_page = page_number("colleagues_page")
        calls["colleagues"] = lambda a: a.page("/users", store=store or None, page=colleagues_page,
                                               page_size=COLLEAGUES_PAGE_SIZE)
        calls["stores"] = lambda a: a.page("/stores", page_size=100)
    return calls


@blp.get("/")
def index():
    person = current_person()
    manager = person.can("manage")
    owner = (request.args.get("owner") or "").strip() if manager else ""
    store = (request.args.get("store") or "").strip() if manager else ""
    number = page_number()
    filters: dict[str, Any] = {"page": number, "page_size": PAGE_SIZE, **task_filters(owner, store)}
    found = api().gather(_calls(filters, manager, store))
    tasks, colleagues, stores = found["tasks"], found.get("colleagues"), found.get("stores")
    args = {name: value for name, value in (("owner", owner), ("store", store)) if value}
    return render_template("today/index.html", tasks=tasks, groups=[] if isinstance(tasks, ApiError)
                           else groups_of(tasks.items), owner=owner, store=store, args=args,
                           colleagues=colleagues, stores=stores,
                           colleague_options=_colleague_options(colleagues, owner),
                           store_options=_store_options(stores), **labels())
