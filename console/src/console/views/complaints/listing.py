"""The complaint list (投诉列表), filtered and paginated on the server, each row with its SLA."""
from __future__ import annotations

from flask import render_template, request

from console.api import ApiError, api
from console.views.complaints.common import blp, choices
from console.views.complaints.sla import sla_states
from console.views.complaints.words import CATEGORIES, DEPARTMENTS, SEVERITIES, STATUSES, VOCABULARY

#: The filters GET /complaints takes that the list offers.
#: (`customer_id`: one customer's complaints, as their page links to them.)
FILTERS = ("status", "category", "severity", "department", "assignee", "store_id", "breached", "customer_id")
PAGE_SIZE = 20


def _filters() -> dict[str, str]:
    """The list's filters from the query; a code the list does not offer is left out rather than refused."""
    known = {"status": STATUSES, "category": CATEGORIES, "severity": SEVERITIES, "breached": ("true", "false")}
    filters = {name: request.args.get(name, "").strip() for name in FILTERS if request.args.get(name, "").strip()}
    return {name: value for name, value in filters.items() if name not in known or value in known[name]}


@blp.get("/complaints")
def index():
    filters = _filters()
    try:
        page_number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_number = 1
    try:
        complaints = api().page("/complaints", page=page_number, page_size=PAGE_SIZE, **filters)
    except ApiError as error:
        complaints = error
    rows = []
    if not isinstance(complaints, ApiError):
        rows = [{"complaint": c, "sla": sla_states(c)} for c in complaints.items]
    return render_template("complaints/index.html", complaints=complaints, rows=rows, filters=filters,
                           choices={"status": choices(STATUSES), "category": choices(CATEGORIES),
                                    "severity": choices(SEVERITIES), "department": choices(DEPARTMENTS)},
                           **VOCABULARY)
