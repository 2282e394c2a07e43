"""What the complaint pages share: the blueprint, the workflow's statuses and steps, and a form's choices."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

blp = Blueprint("complaints", "console.views.complaints")

#: Statuses after which nothing more happens to a complaint.
TERMINAL = frozenset({"closed", "rejected"})
#: Statuses in which the survey of the resolution may be recorded.
SURVEY_STATUSES = frozenset({"resolved", "callback", "closed"})
#: Steps the console posts (action -> the permission its API route requires).
STEPS = {"acknowledge": "write", "assign": "manage", "start": "write", "resolve": "write", "callbacks": "write",
         "close": "write", "reopen": "write", "reject": "write", "pause": "write", "resume": "write",
         "survey": "write"}


def choices(words: dict[str, Any]) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in words.items()]
