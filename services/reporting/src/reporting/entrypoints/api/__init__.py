"""The HTTP API under /api/v1/reports."""
from __future__ import annotations

from flask_smorest import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint of the API (imported here so nothing is built at package import)."""
    from reporting.entrypoints.api import privacy, reports
    return [reports.blp, privacy.blp]
