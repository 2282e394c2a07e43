"""A complaint's rectification notices (整改通知单): issue one to a department, complete it, print it."""
from __future__ import annotations

from flask import Response, request, url_for

from console.api import api
from console.views.complaints.common import blp
from console.views.complaints.page import render_complaint
from console.views.forms import written


@blp.post("/complaints/<complaint_id>/rectifications")
def issue_notice(complaint_id: str):
    form = request.form
    body = {"department": (form.get("department") or "").strip(),
            "required_action": (form.get("required_action") or "").strip(),
            "due_on": (form.get("due_on") or "").strip() or None}
    return written(lambda: api().post(f"/complaints/{complaint_id}/rectifications", body),
                   url_for("complaints.show", complaint_id=complaint_id) + "#notices",
                   lambda refused: render_complaint(complaint_id, failed={"notice": refused},
                                                    values={"notice": dict(form)}, status=refused.status))


@blp.post("/complaints/<complaint_id>/rectifications/<notice_id>/complete")
def complete_notice(complaint_id: str, notice_id: str):
    outcome = (request.form.get("outcome") or "").strip()
    path = f"/complaints/{complaint_id}/rectifications/{notice_id}/complete"
    return written(lambda: api().post(path, {"outcome": outcome}),
                   url_for("complaints.show", complaint_id=complaint_id) + "#notices",
                   lambda refused: render_complaint(complaint_id, failed={f"complete-{notice_id}": refused},
                                                    values={f"complete-{notice_id}": dict(request.form)},
                                                    status=refused.status))


@blp.get("/complaints/<complaint_id>/rectifications/<notice_id>/print")
def print_notice(complaint_id: str, notice_id: str):
    """The notice as the complaint service prints it (整改通知单), to print and hand to the department."""
    response = api().send("GET", f"/complaints/{complaint_id}/rectifications/{notice_id}/print")
    return Response(response.text, mimetype="text/html")
