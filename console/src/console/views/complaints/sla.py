"""A complaint's SLA targets as a person reads them: met, breached, warned, running, paused or idle, with the
working time left."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _

from console.views.complaints.common import TERMINAL
from console.views.complaints.words import TARGETS


def duration(minutes: int) -> str:
    """Working minutes in words: "2 h 5 min", "45 min", "3 working days 2 h"."""
    days, rest = divmod(max(minutes, 0), 8 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)s working days %(hours)s h", days=days, hours=hours)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=mins)
    return _("%(minutes)s min", minutes=mins)


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _state(figures: dict[str, Any], running: bool, waiting: bool) -> tuple[str, str]:
    """One target's state and the words saying so. `running`: the complaint is not finished; `waiting`: it is
    waiting on the customer."""
    left = figures.get("working_minutes_left")
    if _moment(figures.get("met_at")):
        return ("met-late", _("Met late")) if figures.get("breached") else ("met", _("Met"))
    if bool(figures.get("breached")) or (left is not None and left < 0):
        return "breached", (_("Breached: %(time)s overdue", time=duration(-left)) if left is not None
                            else _("Breached"))
    if left is not None and running:
        if figures.get("warned"):
            return "warned", _("Warning: %(time)s left", time=duration(left))
        return "running", _("%(time)s left", time=duration(left))
    if waiting and running:
        return "paused", _("Paused: waiting on the customer")
    return "idle", _("Not running")


def sla_states(complaint: dict[str, Any]) -> list[dict[str, Any]]:
    """Each SLA target of a complaint as a person reads it: its state (met, breached, warned, running, paused,
    idle) and the words saying so, with the time left in working hours as the complaint service counts it on
    its business calendar (holidays and pauses left out)."""
    running = complaint.get("status") not in TERMINAL
    waiting = bool(complaint.get("waiting_on_customer"))
    states = []
    for name, label in TARGETS.items():
        figures = (complaint.get("sla") or {}).get(name) or {}
        state, words = _state(figures, running, waiting)
        states.append({"name": name, "label": label, "state": state, "words": words,
                       "due_at": _moment(figures.get("due_at"))})
    return states
