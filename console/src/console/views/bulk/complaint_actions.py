"""Bulk actions on the Complaints list: assign the chosen complaints, or export them."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_

from console.views import complaints
from console.views.bulk.common import FORMATS, blp
from console.views.bulk.rows import run
from console.views.bulk.screens import SCREENS, act, chosen_rows, render_result
from console.views.reports import XLSX, workbook_of


@blp.post("/bulk/complaints")
def complaints_bulk():
    """Assign the chosen complaints to one department and person, or export them."""
    action = request.form.get("action", "")
    if action == "export":
        return _export_complaints()
    if action != "assign":
        return render_result(SCREENS["complaints"], SCREENS["complaints"].args(request.form), status=422,
                       refused=_("Choose what to do with the chosen rows."))
    body = {"department": request.form.get("department", "").strip(),
            "assignee": request.form.get("assignee", "").strip()}
    missing = None if body["department"] and body["assignee"] else _("Choose the department and the assignee.")
    return act("complaints", action, lambda a, row: a.post(f"/complaints/{row.id}/assign", body), check=missing)


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
    rows, refusal = chosen_rows(screen, args)
    if refusal:
        return refusal
    read = run("export", rows, lambda a, row: row.item or a.get(f"/complaints/{row.id}"))
    if read.failed:
        return render_result(screen, args, outcome=read)
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
