"""Bulk actions on the customer search: tag the chosen customers, or export every customer it matches."""
from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_babel import gettext as _

from console.api import Api
from console.views.bulk.common import FORMATS, blp
from console.views.bulk.screens import SCREENS, act, render_result
from console.views.data import EXPORT_FILTERS


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
            return render_result(screen, args, status=422, refused=_(
                "The export cannot filter by key customer or blacklisted: clear those filters to export."))
        fmt = form.get("format") if form.get("format") in FORMATS else "csv"
        return redirect(url_for("data.export_download", format=fmt, **args), 303)
    if action == "tag":
        tag = form.get("tag", "").strip()
        return act("customers", action, lambda a, row: add_tag(a, row.id, tag),
                    check=None if tag else _("Type the tag to add."))
    return render_result(screen, screen.args(form), status=422, refused=_("Choose what to do with the chosen rows."))
