"""Search from every page: by name, pinyin or its initials, phone or its last digits, plate and VIN.

The page's results list (#search-list) is also what the header's search box shows as the person types (htmx
selects it from this page), so both read the same.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from console.api import ApiError, Page, api
from console.views.customers import labels

blp = Blueprint("search", __name__)
PAGE_SIZE = 20


@blp.get("/search")
def results():
    q = request.args.get("q", "").strip()[:100]
    number = max(1, request.args.get("page", 1, type=int) or 1)
    found, failed = None, None
    if q:
        try:
            found = Page.of_body(api().get("/customers", q=q, page=number, page_size=PAGE_SIZE))
        except ApiError as refused:
            if refused.status == 422:  # nothing searchable in it (punctuation only …): nobody matches
                found = Page.of_body({"items": [], "total": 0, "page": 1, "page_size": PAGE_SIZE})
            elif refused.unavailable:
                failed = refused
            else:
                raise
    return render_template("search/index.html", q=q, page=found, failed=failed, labels=labels())
