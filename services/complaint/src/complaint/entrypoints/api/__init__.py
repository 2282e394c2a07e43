"""The HTTP API under /api/v1/complaints."""
from __future__ import annotations

from flask_smorest import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint of the API (imported here so nothing is built at package import)."""
    from complaint.entrypoints.api import complaints, policies, privacy, rectifications, settings, steps
    return [policies.blp, settings.blp, complaints.blp, steps.blp, rectifications.blp, privacy.blp]
