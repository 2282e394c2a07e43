"""What the appointment pages share: the blueprint and the appointments' words."""
from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as N_  # marked for extraction, translated when shown

blp = Blueprint("appointments", "console.views.appointments")

#: An appointment's status (the reminder service's codes).
STATUS_LABELS = {
    "booked": N_("Booked"), "kept": N_("Kept"), "no_show": N_("No-show"), "cancelled": N_("Cancelled"),
}
#: What an appointment is for.
PURPOSE_LABELS = {
    "maintenance": N_("Maintenance"), "repair": N_("Repair"), "inspection": N_("Vehicle inspection"),
    "renewal": N_("Renewal"), "test_drive": N_("Test drive"), "delivery": N_("Delivery"),
    "consultation": N_("Consultation"),
}
#: The purpose a booking made from a task of this kind most likely has.
PURPOSE_OF_KIND = {"annual_inspection": "inspection", "renewal": "renewal", "insurance_renewal": "renewal"}


def labels() -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "purpose_labels": PURPOSE_LABELS}
