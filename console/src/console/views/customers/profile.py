"""The customer 360 page (客户档案): the profile, vehicles with their readings and next maintenance, and the
timeline.

Every figure comes from the API: the customer service (profile, vehicles, visits, points, history), the complaint
service and the reminder service (reminders and tasks, appointments), asked side by side so that a service that
is down leaves its part of the page unavailable while the rest renders.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import get_flashed_messages, render_template, request

from console.api import Api, ApiError, Page, api
from console.views.customers.common import CONSENTS, PAGE_SIZE, blp, items
from console.views.customers.timeline import TIMELINE_PARTS, part_calls, part_names, timeline
from console.views.customers.words import labels

#: How many entries of each part the 360 page's timeline shows before "more".
TIMELINE_PART = 10
#: How many vehicles the 360 page shows odometer readings for, and how many readings each.
VEHICLES_SHOWN, READINGS_SHOWN = 5, 5
#: The reminders that plan a vehicle's maintenance, while they are still to be done.
OPEN_REMINDERS = ("scheduled", "due", "claimed", "snoozed")


def _predictions(reminders: Any) -> dict[str, dict[str, Any]]:
    """The next maintenance planned for each vehicle (first or next), by asset id."""
    found: dict[str, dict[str, Any]] = {}
    for reminder in items(reminders):
        if reminder.get("rule_kind") in ("first_maintenance", "next_maintenance") and reminder.get("asset_id") \
                and reminder.get("status") in OPEN_REMINDERS:
            found.setdefault(reminder["asset_id"], reminder)
    return found


def _readings_of(customer_id: str, asset_id: str) -> Callable[[Api], Any]:
    """A call fetching the last odometer readings of one of the customer's vehicles."""
    return lambda a: a.get(f"/customers/{customer_id}/assets/{asset_id}/odometer", page_size=READINGS_SHOWN)


def _readings(customer_id: str, vehicles: list[dict[str, Any]]) -> dict[str, Any]:
    """The last odometer readings of the first vehicles, by asset id."""
    if not vehicles:
        return {}
    return api().gather({asset["id"]: _readings_of(customer_id, asset["id"])
                         for asset in vehicles[:VEHICLES_SHOWN] if asset.get("kind") == "vehicle"})


def vehicle_options(vehicles: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The customer's vehicles as a visit form's choices: plate and model."""
    return [(asset["id"], " · ".join(filter(None, (asset.get("plate"), asset.get("model")))) or asset.get("vin")
             or asset["id"]) for asset in vehicles]


def _paging() -> tuple[str | None, int, int]:
    """The part of the timeline asked for alone (none: the whole timeline), its page number and page size."""
    only = request.args.get("only") if request.args.get("only") in TIMELINE_PARTS else None
    number = max(1, request.args.get("page", 1, type=int) or 1) if only else 1
    return only, number, PAGE_SIZE if only else TIMELINE_PART


def _calls(customer_id: str, number: int, size: int, only: str | None) -> dict[str, Any]:
    return {"customer": lambda a: a.get(f"/customers/{customer_id}"),
            "assets": lambda a: a.get(f"/customers/{customer_id}/assets", page_size=20),
            "maintenance": lambda a: a.get("/reminders", customer_id=customer_id, rule_kind="next_maintenance",
                                           status="scheduled,due,claimed,snoozed", page_size=20),
            "first_maintenance": lambda a: a.get("/reminders", customer_id=customer_id,
                                                 rule_kind="first_maintenance",
                                                 status="scheduled,due,claimed,snoozed", page_size=20),
            **part_calls(customer_id, number, size, only)}


def render_360(customer_id: str, *, forms: dict[str, dict[str, Any]] | None = None, status: int = 200):
    """The customer 360 page; `forms` re-opens an action's form with what the person typed and the API's
    messages (a refused visit, vehicle, redemption or flag change)."""
    only, number, size = _paging()
    parts = api().gather(_calls(customer_id, number, size, only))
    customer = parts.pop("customer")
    if isinstance(customer, ApiError):
        raise customer
    assets = parts.pop("assets")
    vehicles = items(assets)
    readings = _readings(customer_id, vehicles)
    predictions = {**_predictions(parts.pop("first_maintenance")), **_predictions(parts.pop("maintenance"))}
    words = labels()
    counts = {name: (parts[name].get("total", 0) if isinstance(parts[name], dict) else None) for name in parts}
    failed = {name: part for name, part in parts.items() if isinstance(part, ApiError)}
    messages = get_flashed_messages()
    page = Page.of_body(parts[only]) if only and isinstance(parts.get(only), dict) else None
    return render_template("customers/show.html", customer=customer, vehicles=vehicles,
                           assets_failed=assets if isinstance(assets, ApiError) else None,
                           readings=readings, predictions=predictions, timeline=timeline(parts, words), counts=counts,
                           failed=failed, only=only, number=number, size=size, part_names=part_names(),
                           forms=forms or {}, labels=words, vehicle_options=vehicle_options(vehicles),
                           messages=messages, consents=CONSENTS,
                           page=page), status


@blp.get("/customers/<uuid:customer_id>")
def show(customer_id):
    return render_360(str(customer_id))
