"""Bulk actions on Today: snooze, complete or assign the chosen tasks."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from console.views import today
from console.views.bulk.common import BULK_OUTCOMES, blp
from console.views.bulk.screens import SCREENS, act, render_result


@blp.post("/bulk/today")
def today_bulk():
    """Snooze the chosen tasks until one time, complete them with one outcome, or assign them to a colleague."""
    form = request.form
    action = form.get("action", "")
    if action == "snooze":
        until = today.local_time(form.get("until", ""))
        return act("today", action, lambda a, row: a.post(f"/reminders/{row.id}/snooze", {"until": until}),
                    check=None if until else _("Choose until when."))
    if action == "complete":
        outcome = form.get("outcome", "")
        return act("today", action, lambda a, row: a.post(f"/reminders/{row.id}/complete", {"outcome": outcome}),
                    check=None if outcome in BULK_OUTCOMES else _("Choose the outcome."))
    if action == "assign":
        assignee = form.get("assignee", "").strip()
        return act("today", action, lambda a, row: a.post(f"/reminders/{row.id}/assign", {"assignee": assignee}),
                    check=None if assignee else _("Choose the colleague."))
    return render_result(SCREENS["today"], SCREENS["today"].args(form), status=422,
                   refused=_("Choose what to do with the chosen rows."))
