"""Kinds of asset and the fields each needs (PRODUCT.md 2.1: vehicles first, property units, contracts)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from customer.domain.errors import InvalidFields
from customer.domain.vehicles import InvalidVin, normalise_vin

ASSET_KINDS = ("vehicle", "property_unit", "service_contract", "other")
_VEHICLE_ONLY = ("model", "plate", "vin", "delivered_on", "odometer_km")
#: active: in the customer's hands (在用); sold: sold or given to someone who is not our customer (已售出);
#: scrapped: off the road (报废). Only an active asset gets reminders.
ASSET_STATUSES = ("active", "sold", "scrapped")
STATUS_LABELS = {"active": "在用", "sold": "已售出", "scrapped": "报废"}
#: What a correction may change of an asset (its kind never: void it and register it again).
EDITABLE_ASSET_FIELDS = ("model", "plate", "vin", "delivered_on", "expires_on", "description")
#: A delivery date is from 1990 on and not more than a day ahead.
EARLIEST_DELIVERY = date(1990, 1, 1)
REQUIRED_OF_KIND: dict[str, tuple[str, ...]] = {
    "vehicle": ("model",),
    "property_unit": ("description",),
    "service_contract": ("expires_on",),
    "other": ("description",),
}


def _fields_of_kind(kind: str, fields: Mapping[str, Any]) -> dict[str, list[str]]:
    """{field: problem} for each field the kind needs and lacks, or has and may not."""
    errors: dict[str, list[str]] = {}
    for name in REQUIRED_OF_KIND[kind]:
        if name not in fields:
            errors[name] = [f"A {kind} needs {name}."]
    if kind != "vehicle":
        for name in _VEHICLE_ONLY:
            if name in fields and not (name == "delivered_on" and kind == "property_unit"):
                errors[name] = [f"Only vehicles have {name}."]
    if kind != "service_contract" and "expires_on" in fields:
        errors["expires_on"] = ["Only service contracts expire."]
    return errors


def check_asset(values: Mapping[str, Any]) -> dict[str, Any]:
    """The asset's fields (VIN normalised, None dropped); InvalidFields for missing or foreign fields."""
    kind = values["kind"]
    fields = {name: value for name, value in values.items() if value is not None}
    errors = _fields_of_kind(kind, fields)
    delivered_on = fields.get("delivered_on")
    if delivered_on is not None and "delivered_on" not in errors:
        if delivered_on < EARLIEST_DELIVERY:
            errors["delivered_on"] = ["A delivery cannot be dated before 1990-01-01."]
        elif delivered_on > date.today() + timedelta(days=1):
            errors["delivered_on"] = ["A delivery cannot be dated more than a day ahead."]
    if "vin" in fields and "vin" not in errors:
        try:
            fields["vin"] = normalise_vin(fields["vin"])
        except InvalidVin as exc:
            errors["vin"] = [str(exc)]
    if errors:
        raise InvalidFields(errors)
    return fields
