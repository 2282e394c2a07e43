"""What the bulk actions share: the blueprint, their words, and the console's bulk settings."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask_babel import lazy_gettext as N_

from console.views import today

blp = Blueprint("bulk", "console.views.bulk")

ACTIONS = {"assign": N_("Assign"), "snooze": N_("Snooze"), "complete": N_("Complete"), "tag": N_("Add a tag"),
           "export": N_("Export")}
#: Outcomes a bulk completion may give (booking an appointment is done one task at a time, on its form).
BULK_OUTCOMES = tuple(code for code in today.OUTCOME_LABELS if code != "booked")
FORMATS = ("csv", "xlsx")


def settings():
    return current_app.extensions["console"].settings


@blp.app_context_processor
def _words() -> dict[str, Any]:
    return {"bulk_limit": settings().bulk_limit,
            "bulk_outcomes": [(code, str(today.OUTCOME_LABELS[code])) for code in BULK_OUTCOMES]}
