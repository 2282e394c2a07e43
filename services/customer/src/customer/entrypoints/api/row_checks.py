"""The rows of an import checked as the API checks the same values (the same schemas), without marshmallow's
per-row overhead: a customer's, or a new asset's for a vehicles import."""
from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from servicekit.fastload import FastLoader

from customer.entrypoints.api.asset_schemas import AssetArgs
from customer.entrypoints.api.schemas import CustomerArgs

_CUSTOMER_ARGS = FastLoader(CustomerArgs())
_ASSET_ARGS = FastLoader(AssetArgs())


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, list):
        return {prefix: [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for name, inner in messages.items():
        flat.update(_flatten(inner, f"{prefix}.{name}" if prefix else str(name)))
    return flat


def check_vehicle_row(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One vehicle row's values checked as the API checks a new asset."""
    try:
        return _ASSET_ARGS.load(values), {}
    except ValidationError as exc:
        return {}, _flatten(exc.messages)


def check_row(values: dict[str, Any], partial: bool) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One row's values checked as the API checks a new (or, `partial`, an edited) customer."""
    try:
        return _CUSTOMER_ARGS.load(values, partial=partial), {}
    except ValidationError as exc:
        return {}, _flatten(exc.messages)
