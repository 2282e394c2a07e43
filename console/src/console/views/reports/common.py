"""What the report pages share: the blueprint, the filters a report takes from the query, and its name checked."""
from __future__ import annotations

from flask import Blueprint, abort, request

from console.views.reports.words import REPORTS

blp = Blueprint("reports", "console.views.reports")


def filters_of(name: str) -> dict[str, str]:
    keys = ("month", "store") if name == "monthly" else ("from", "to", "store")
    return {key: request.args.get(key, "").strip() for key in keys if request.args.get(key, "").strip()}


def known(name: str) -> None:
    if name not in REPORTS:
        abort(404)
