"""The customer 360 page's actions: record a visit, register a vehicle, redeem points, and the key customer,
blacklist and credit limit flags."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, api
from console.views.customers.common import blank_to_none, blp, local_to_instant, number
from console.views.customers.profile import render_360
from console.views.customers.words import word

VISIT_TEXT = ("staff", "notes", "service_type", "channel", "satisfaction", "purpose", "outcome", "event_name",
              "asset_id", "amount")


def _action(customer_id: str, form: str, call, done: str, values: dict[str, Any]):
    """Run an action of the 360 page: on success back to the page with `done` said; when refused, the page again
    with the form open, what the person typed, and the API's messages beside the fields."""
    try:
        call()
    except ApiError as refused:
        if refused.unavailable or refused.status in (403, 404, 409, 412, 422, 428):
            return render_360(customer_id, forms={form: {"values": values, "errors": refused.errors,
                                                         "error": refused}}, status=refused.status)
        raise
    flash(done)
    return redirect(url_for("customers.show", customer_id=customer_id))


def _texts(form, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields the person filled in, trimmed."""
    body: dict[str, Any] = {}
    for name in names:
        value = blank_to_none(form.get(name))
        if value is not None:
            body[name] = value
    return body


@blp.post("/customers/<uuid:customer_id>/visits")
def record_visit(customer_id):
    customer_id = str(customer_id)
    form = request.form
    body: dict[str, Any] = {"kind": form.get("kind", ""), **_texts(form, VISIT_TEXT)}
    if blank_to_none(form.get("odometer_km")) is not None:
        body["odometer_km"] = number(form["odometer_km"])
    if blank_to_none(form.get("occurred_at")):
        body["occurred_at"] = local_to_instant(form["occurred_at"].strip())
    return _action(customer_id, "visit", lambda: api().post(f"/customers/{customer_id}/visits", body),
                   _("%(kind)s recorded.", kind=word("visit", body["kind"]) or _("Visit")), form.to_dict())


@blp.post("/customers/<uuid:customer_id>/vehicles")
def register_vehicle(customer_id):
    customer_id = str(customer_id)
    form = request.form
    body: dict[str, Any] = {"kind": "vehicle", **_texts(form, ("model", "plate", "vin", "delivered_on"))}
    if blank_to_none(form.get("odometer_km")) is not None:
        body["odometer_km"] = number(form["odometer_km"])
    return _action(customer_id, "vehicle", lambda: api().post(f"/customers/{customer_id}/assets", body),
                   _("Vehicle registered."), form.to_dict())


@blp.post("/customers/<uuid:customer_id>/redemptions")
def redeem(customer_id):
    customer_id = str(customer_id)
    form = request.form
    body = {"points": number(form.get("points", "")), "reason": form.get("reason", "").strip()}
    return _action(customer_id, "redeem",
                   lambda: api().post(f"/customers/{customer_id}/points/redemptions", body),
                   _("Points redeemed."), form.to_dict())


@blp.post("/customers/<uuid:customer_id>/lists")
def lists(customer_id):
    """Key customer, blacklist and credit limit (managers; the API refuses anyone else with a 403)."""
    customer_id = str(customer_id)
    form = request.form
    body: dict[str, Any] = {"key_customer": form.get("key_customer") == "on",
                            "blacklisted": form.get("blacklisted") == "on",
                            "credit_limit": blank_to_none(form.get("credit_limit"))}
    if body["blacklisted"]:
        body["blacklist_reason"] = form.get("blacklist_reason", "").strip()
    headers = {"If-Match": f'"{form.get("version", "")}"'}
    return _action(customer_id, "lists",
                   lambda: api().patch(f"/customers/{customer_id}", body, headers=headers),
                   _("Key customer, blacklist and credit limit saved."), form.to_dict())
