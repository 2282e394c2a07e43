"""The report pages: the list of reports, one report's tables with its filters, and a value segment's customers
page by page."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _

from console.api import ApiError, Page, api
from console.views.reports.common import blp, filters_of, known
from console.views.reports.tables import bar_class, cell, tables_of
from console.views.reports.words import REPORTS, label
from console.views.today import page_number

SEGMENT_PAGE_SIZE = 50


def _store_options(stores: Any, chosen: str) -> list[tuple[str, str]]:
    options = [("", _("My stores"))]
    if not isinstance(stores, ApiError):
        options += [(item["id"], item.get("name") or item["id"]) for item in stores.items]
    if chosen and chosen not in {value for value, _text in options}:
        options.append((chosen, chosen))
    return options


@blp.get("/reports")
def index():
    return render_template("reports/index.html", reports=REPORTS)


@blp.get("/reports/<name>")
def report(name: str):
    known(name)
    filters = filters_of(name)
    found = api().gather({
        "report": lambda a: tables_of(a.send("GET", f"/reports/{name}", params={**filters, "format": "csv"}).text),
        "stores": lambda a: a.page("/stores", page_size=100)})
    figures = found["report"]
    errors = figures.errors if isinstance(figures, ApiError) and figures.status == 422 else {}
    status = 422 if errors else 200
    return render_template("reports/report.html", name=name, title=REPORTS[name][0], about=REPORTS[name][1],
                           figures=figures, filters=filters, errors=errors,
                           store_options=_store_options(found["stores"], filters.get("store", "")),
                           label=label, cell=cell, bar_class=bar_class), status


@blp.get("/reports/value/segments/<segment>")
def segment(segment: str):
    """One value segment's customers, page by page."""
    filters = filters_of("value")
    try:
        body = api().get("/reports/value", **filters, segment=segment, page=page_number(),
                         page_size=SEGMENT_PAGE_SIZE)
        members = body["members"]
        total = int(members.get("total") or 0)
        customers: Any = Page(items=members.get("customers") or [], total=total, page=members.get("page") or 1,
                              pages=max(1, -(-total // SEGMENT_PAGE_SIZE)), page_size=SEGMENT_PAGE_SIZE)
    except ApiError as error:
        customers = error
    return render_template("reports/segment.html", segment=segment, segment_label=label(segment),
                           customers=customers, filters=filters)
