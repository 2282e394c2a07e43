"""Kinds of visit and which details belong to each (PRODUCT.md 2.1, seeds [000][001][004])."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from customer.domain.errors import InvalidFields

VISIT_KINDS = ("store", "delivery", "service", "callback", "sales_call", "event")
CALLBACK_CHANNELS = ("phone", "sms", "questionnaire", "face_to_face")
SATISFACTION = ("very_unsatisfied", "unsatisfied", "neutral", "satisfied", "very_satisfied")

#: The details each kind of visit may carry.
DETAILS_OF_KIND: dict[str, tuple[str, ...]] = {
    "store": ("purpose",),
    "delivery": (),
    "service": ("odometer_km", "amount", "service_type"),
    "callback": ("channel", "satisfaction", "scores"),
    "sales_call": ("purpose", "outcome"),
    "event": (),
}
REQUIRED_DETAILS: dict[str, tuple[str, ...]] = {"callback": ("channel", "satisfaction")}
ALL_DETAILS = tuple(sorted({name for names in DETAILS_OF_KIND.values() for name in names}))


def check_details(kind: str, details: Mapping[str, Any]) -> dict[str, Any]:
    """The details of a `kind` visit (None values dropped); raise InvalidFields for foreign or missing ones."""
    errors: dict[str, list[str]] = {}
    allowed = DETAILS_OF_KIND[kind]
    for name, value in details.items():
        if value is not None and name not in allowed:
            errors[name] = [f"A {kind} visit has no {name}; it belongs to "
                            f"{', '.join(k for k, names in DETAILS_OF_KIND.items() if name in names)} visits."]
    for name in REQUIRED_DETAILS.get(kind, ()):
        if details.get(name) is None:
            errors[name] = [f"A {kind} visit needs {name}."]
    if errors:
        raise InvalidFields(errors)
    return {name: value for name, value in details.items() if value is not None}
