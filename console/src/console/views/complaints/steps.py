"""The complaint's workflow steps (acknowledge, assign, resolve, callbacks, close, survey...), each a form posted
here, then post/redirect/get back to the complaint page."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, request, url_for

from console.api import api
from console.views.complaints.common import STEPS, blp
from console.views.complaints.page import render_complaint
from console.views.complaints.words import SURVEY_ITEMS
from console.views.forms import written


def _staff(text: str) -> list[str]:
    """The staff a survey names, separated by commas (Chinese or not)."""
    return [name.strip() for name in text.replace("，", ",").split(",") if name.strip()]


#: What each step sends, from the form's trimmed text (a step not listed sends nothing).
BODIES: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    "assign": lambda text: {"department": text.get("department", ""), "assignee": text.get("assignee", "")},
    "resolve": lambda text: {"resolution": text.get("resolution", ""), "remedy_cost": text.get("remedy_cost") or "0",
                             "responsible_party": text.get("responsible_party", "")},
    "callbacks": lambda text: {"channel": text.get("channel", ""), "satisfaction": text.get("satisfaction", ""),
                               "comment": text.get("comment") or None},
    "pause": lambda text: {"reason": text.get("reason", "")},
    "reopen": lambda text: {"reason": text.get("reason", "")},
    "reject": lambda text: {"findings": text.get("findings", "")},
    "survey": lambda text: {**{item: text.get(item, "") for item in SURVEY_ITEMS},
                            "staff": _staff(text.get("staff", "")), "comment": text.get("comment") or None},
}


def _step_body(step: str) -> dict[str, Any]:
    form = request.form
    text = {name: (form.get(name) or "").strip() for name in form}
    body = BODIES.get(step)
    return body(text) if body else {}


@blp.post("/complaints/<complaint_id>/steps/<step>")
def act(complaint_id: str, step: str):
    """Take one step; back to the complaint page, which shows its new status and timeline."""
    if step not in STEPS:
        abort(404)
    body = _step_body(step)
    return written(lambda: api().post(f"/complaints/{complaint_id}/{step}", body),
                   url_for("complaints.show", complaint_id=complaint_id) + "#timeline",
                   lambda refused: render_complaint(complaint_id, failed={step: refused},
                                                    values={step: dict(request.form)}, status=refused.status))
