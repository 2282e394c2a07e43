"""Manage (管理): the managers' and administrators' tools in one place (Reports has a place of its own in the
navigation). A tool is listed once its screen exists and the person's role may use it; the API refuses the rest
all the same."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from console.people import current_person

blp = Blueprint("manage", __name__)

#: (endpoint, title, what it is for, the permission it needs), in the order they are listed.
TOOLS = (
    ("data.duplicates", _l("Duplicates and merges"), _l("Likely duplicate customers, merged and undone."), "manage"),
    ("data.imports", _l("Imports"), _l("Customers and vehicles from CSV or Excel files, tried first."), "manage"),
    ("data.exports", _l("Exports"), _l("Any customer search as CSV or Excel."), "manage"),
    ("settings.sla", _l("SLA policies"), _l("Complaint time limits per category and severity."), "manage"),
    ("settings.rules", _l("Reminder rules"), _l("Who is reminded of what, when."), "manage"),
    ("settings.opt_outs", _l("Opt-outs"), _l("Customers who asked not to be contacted on a channel."), "manage"),
    ("settings.broadcasts", _l("Broadcasts"), _l("A message to the customers of a store."), "manage"),
    ("admin.users", _l("Users"), _l("Staff accounts, roles and stores."), "admin"),
    ("admin.api_keys", _l("API keys"), _l("Keys for integrations."), "admin"),
    ("admin.stores", _l("Stores"), _l("The dealer group's stores."), "admin"),
)


def tools() -> list[dict]:
    """The tools the signed-in person may use whose screens exist."""
    person = current_person()
    return [{"endpoint": endpoint, "title": title, "about": about} for endpoint, title, about, permission in TOOLS
            if endpoint in current_app.view_functions and person and person.can(permission)]


@blp.get("/manage")
def index():
    return render_template("manage/index.html", tools=tools())
