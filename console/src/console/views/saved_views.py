"""Saved views (常用筛选): a list's filter kept under a name, for oneself or shared with one's store, and opened
again from the list's menu. The gateway keeps them (/api/v1/saved-views), as it knows people and their stores.

Each list (Today, Complaints, Customers) loads its menu from here with htmx; without the script the menu is a
page of its own, reached by a link."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as N_

from console.api import ApiError, Page, api
from console.people import current_person
from console.views.complaints import CATEGORIES, DEPARTMENTS, SEVERITIES, STATUSES
from console.views.forms import written
from console.views.today import page_number

blp = Blueprint("saved_views", __name__)

#: The lists a view can be saved of: their names and where they are.
SCREENS = {"today": (N_("Today"), "today.index"), "complaints": (N_("Complaints"), "complaints.index"),
           "customers": (N_("Customers"), "customers.index")}
#: Query arguments that are not part of a filter (which page, which page of the colleagues picker).
NOT_FILTERS = frozenset({"page", "colleagues_page"})
#: Views in the list's menu; the page of its own lists them all, a page at a time.
MENU_SIZE, PAGE_SIZE = 20, 50
#: A saved view's id as the gateway makes them.
VIEW_ID = re.compile(r"^[0-9a-f]{32}$")


def filter_query(query: str) -> str:
    """A list's query string without its page numbers: the filter alone."""
    return urlencode([(name, value) for name, value in parse_qsl(query.removeprefix("?"))
                      if name not in NOT_FILTERS and value])


#: What each filter of the three lists is called on screen (a filter not named here is shown by its own name).
FILTER_LABELS = {
    "q": N_("Search"), "kind": N_("Kind"), "stage": N_("Stage"), "owner": N_("Owner"), "store_id": N_("Store"),
    "tag": N_("Tag"), "tier": N_("Tier"), "intent_grade": N_("Intent grade"), "key_customer": N_("Key customer"),
    "blacklisted": N_("Blacklisted"), "status": N_("Status"), "category": N_("Category"), "severity": N_("Severity"),
    "department": N_("Department"), "assignee": N_("Assignee"), "breached": N_("SLA breached"),
    "customer_id": N_("Customer"),
}
#: Filter values shown in words where the complaint list has words for them.
VALUE_WORDS = {"status": STATUSES, "category": CATEGORIES, "severity": SEVERITIES, "department": DEPARTMENTS}


def filter_words(query: str) -> str:
    """A saved filter as a person reads it ("状态 已受理 · 类别 服务"), not as a query string."""
    words = []
    for name, value in parse_qsl(query.removeprefix("?")):
        if value in ("true", "false"):
            value = str(N_("Yes") if value == "true" else N_("No"))
        words.append(f"{FILTER_LABELS.get(name, name)} {VALUE_WORDS.get(name, {}).get(value, value)}")
    return " · ".join(words)


def opened(screen: str, query: str) -> str:
    """The list with a view's filter."""
    return url_for(SCREENS[screen][1]) + (f"?{query}" if query else "")


def _screen(screen: str) -> tuple[Any, str]:
    if screen not in SCREENS:
        abort(404)
    return SCREENS[screen]


def _render(screen: str, query: str, *, values: dict[str, str] | None = None, failed: ApiError | None = None,
            status: int = 200, menu: bool = False):
    number = 1 if menu else page_number()
    views: Page | ApiError
    try:
        views = api().page("/saved-views", screen=screen, page=number, page_size=MENU_SIZE if menu else PAGE_SIZE)
    except ApiError as error:
        views = error
    template = "saved_views/_menu.html" if menu else "saved_views/index.html"
    person = current_person()
    if person is None:  # every view but signing in runs after require_session
        abort(401)
    stores = person.stores
    return render_template(template, screen=screen, screen_label=SCREENS[screen][0], query=query, views=views,
                           values=values or {}, failed=failed, errors=failed.errors if failed else {},
                           stores=stores, store_options=[(store, store) for store in stores],
                           opened=opened, filter_words=filter_words), status


@blp.get("/saved-views/<screen>")
def menu(screen: str):
    """The saved views of a list and the form that saves its current filter: the list's menu (htmx), or a page."""
    _screen(screen)
    query = filter_query(request.args.get("query", ""))
    return _render(screen, query, menu=bool(request.headers.get("HX-Request")))


@blp.post("/saved-views/<screen>")
def save(screen: str):
    """Save the list's filter under a name; back to the list, with that filter."""
    _screen(screen)
    form = request.form
    query = filter_query(form.get("query", ""))
    body = {"name": form.get("name", "").strip(), "screen": screen, "query": query,
            "shared": form.get("shared") == "true"}
    if body["shared"] and form.get("store_id"):
        body["store_id"] = form["store_id"]
    return written(lambda: api().post("/saved-views", body),
                   opened(screen, query),
                   lambda refused: _render(screen, query, values=dict(form), failed=refused,
                                           status=refused.status),
                   code=303)


@blp.post("/saved-views/<screen>/<view_id>/delete")
def delete(screen: str, view_id: str):
    """Delete a saved view (its owner, or a manager of the store it is shared with); back to the views."""
    _screen(screen)
    if not VIEW_ID.fullmatch(view_id):
        abort(404)
    query = filter_query(request.form.get("query", ""))
    return written(lambda: api().send("DELETE", f"/saved-views/{view_id}"),
                   url_for("saved_views.menu", screen=screen, query=query),
                   lambda refused: _render(screen, query, failed=refused, status=refused.status), code=303)
