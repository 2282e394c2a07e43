"""Complaints (投诉), one module per page: the list (listing), filing a new complaint (filing), the complaint page
(page) with its workflow steps (steps) and rectification notices (notices). What they share is in common (the
blueprint, the workflow's statuses and steps), words (the domain's codes in words) and sla (the SLA targets)."""
from console.views.complaints import filing, listing, notices, page, steps
from console.views.complaints.common import blp
from console.views.complaints.listing import FILTERS
from console.views.complaints.sla import duration, sla_states
from console.views.complaints.words import CATEGORIES, DEPARTMENTS, LEVELS, SEVERITIES, STATUSES

__all__ = ["CATEGORIES", "DEPARTMENTS", "FILTERS", "LEVELS", "SEVERITIES", "STATUSES", "blp", "duration", "filing",
           "listing", "notices", "page", "sla_states", "steps"]
