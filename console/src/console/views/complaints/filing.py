"""Filing a new complaint (登记投诉) for a customer, optionally naming one of their vehicles."""
from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, api
from console.people import current_person
from console.views.complaints.common import blp, choices
from console.views.complaints.words import CATEGORIES, CHANNELS, SEVERITIES, VOCABULARY

NEW_FIELDS = ("channel", "category", "subcategory", "severity", "description")


def vehicle_words(asset: dict[str, Any]) -> str:
    """A vehicle as a person names it: plate, model, VIN."""
    return " · ".join(str(asset[key]) for key in ("plate", "model", "vin") if asset.get(key)) or _("Vehicle")


def _customer_and_vehicles(customer_id: str) -> tuple[Any, list[dict[str, Any]]]:
    """The customer (or why it could not be read; none when no customer is named) and their active vehicles."""
    if not customer_id:
        return None, []
    found = api().gather({
        "customer": lambda a: a.get(f"/customers/{customer_id}"),
        "vehicles": lambda a: a.page(f"/customers/{customer_id}/assets", page=1, page_size=50),
    })
    vehicles = found["vehicles"]
    if isinstance(vehicles, ApiError):
        return found["customer"], []
    return found["customer"], [asset for asset in vehicles.items
                               if asset.get("kind") == "vehicle" and asset.get("status", "active") == "active"]


def _body(customer_id: str, values: dict[str, str], vehicles: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"customer_id": customer_id, **{name: values[name].strip() for name in NEW_FIELDS}}
    body["subcategory"] = body["subcategory"] or None
    chosen = next((asset for asset in vehicles if asset.get("id") == values["vehicle"]), None)
    if chosen and body["description"]:
        # The complaint keeps no vehicle of its own: the vehicle is named at the head of what was said.
        body["description"] = _("Vehicle: %(vehicle)s", vehicle=vehicle_words(chosen)) + "\n" + body["description"]
    return body


@blp.route("/complaints/new", methods=["GET", "POST"])
def new():
    person = current_person()
    if not person.can("write"):
        abort(403)
    customer_id = (request.values.get("customer_id") or "").strip()
    values = {name: request.form.get(name, "") for name in (*NEW_FIELDS, "vehicle")}
    errors: dict[str, list[str]] = {}
    error = None
    status = 200
    customer, vehicles = _customer_and_vehicles(customer_id)
    if request.method == "POST" and customer_id:
        try:
            filed = api().post("/complaints", _body(customer_id, values, vehicles))
        except ApiError as refused:
            if not (refused.unavailable or refused.status in (403, 409, 412, 422, 404)):
                raise
            error, errors, status = refused, refused.errors, refused.status
        else:
            return redirect(url_for("complaints.show", complaint_id=filed["id"]))
    return render_template("complaints/new.html", customer_id=customer_id, customer=customer,
                           values=values, errors=errors, error=error, **VOCABULARY,
                           choices={"channel": choices(CHANNELS), "category": choices(CATEGORIES),
                                    "severity": choices(SEVERITIES),
                                    "vehicle": [(asset["id"], vehicle_words(asset)) for asset in vehicles]}), status
