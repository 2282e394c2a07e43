"""Kinds of asset and the fields each needs (PRODUCT.md 2.1: vehicles first, property units, contracts)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from customer.domain.errors import InvalidFields
from customer.domain.vehicles import InvalidVin, normalise_vin

ASSET_KINDS = ("vehicle", "property_unit", "service_contract", "other")
_VEHICLE_ONLY = ("model", "plate", "vin", "delivered_on", "odometer_km")
REQUIRED_OF_KIND: dict[str, tuple[str, ...]] = {
    "vehicle": ("model",),
    "property_unit": ("description",),
    "service_contract": ("expires_on",),
    "other": ("description",),
}


def check_asset(values: Mapping[str, Any]) -> dict[str, Any]:
    """The asset's fields (VIN normalised, None dropped); InvalidFields for missing or foreign fields."""
    kind = values["kind"]
    fields = {name: value for name, value in values.items() if value is not None}
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
    if "vin" in fields and "vin" not in errors:
        try:
            fields["vin"] = normalise_vin(fields["vin"])
        except InvalidVin as exc:
            errors["vin"] = [str(exc)]
    if errors:
        raise InvalidFields(errors)
    return fields
