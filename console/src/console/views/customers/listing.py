"""The customer list (客户列表), and the phone check the new-customer form asks as the person types."""
from __future__ import annotations

from typing import Any

import phonenumbers
from flask import render_template, request

from console.api import ApiError, Page, api
from console.views.customers.common import PAGE_SIZE, blp
from console.views.customers.words import labels

#: Filters of the customer list the API takes (SearchArgs), as the list's query arguments.
LIST_FILTERS = ("q", "kind", "stage", "owner", "store_id", "tag", "tier", "intent_grade", "key_customer",
                "blacklisted")


def phone_preview(raw: str) -> dict[str, Any]:
    """What a typed phone number will be stored as (mainland China by default), or why it cannot be."""
    raw = (raw or "").strip()
    if not raw:
        return {"raw": raw}
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return {"raw": raw, "invalid": True}
    if not phonenumbers.is_valid_number(number):
        return {"raw": raw, "invalid": True}
    return {"raw": raw, "e164": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            "shown": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)}


@blp.get("/customers/phone")
def phone():
    """The phone as the person types it, normalised; and the customer who has it already, if any."""
    preview = phone_preview(request.args.get("phone", ""))
    existing = None
    if preview.get("e164"):
        try:
            found = api().get("/customers", phone=preview["e164"], page_size=1)
        except ApiError:
            found = {}
        existing = next(iter(found.get("items") or []), None)
    return render_template("customers/_phone.html", preview=preview, existing=existing)


def _found_or_errors(found: Any) -> tuple[Any, dict[str, list[str]]]:
    """The list the API answered, or none and the messages of a refused search (another refusal is raised;
    an unavailable service leaves the list unavailable)."""
    if isinstance(found, ApiError) and found.status == 422:
        return None, found.errors
    if isinstance(found, ApiError) and not found.unavailable:
        raise found
    return found, {}


@blp.get("/customers")
def index():
    args = {name: request.args.get(name, "").strip() for name in LIST_FILTERS}
    args = {name: value for name, value in args.items() if value}
    number = max(1, request.args.get("page", 1, type=int) or 1)
    parts = api().gather({
        "customers": lambda a: a.get("/customers", page=number, page_size=PAGE_SIZE, **args),
        "stores": lambda a: a.get("/stores", page_size=200),
    })
    found, errors = _found_or_errors(parts["customers"])
    stores = parts["stores"]
    store_names = {} if isinstance(stores, ApiError) else {s["id"]: s["name"] for s in stores.get("items", [])}
    return render_template("customers/index.html", page=Page.of_body(found) if isinstance(found, dict) else None,
                           failed=found if isinstance(found, ApiError) else None, args=args, errors=errors,
                           store_names=store_names, labels=labels())
