"""A new customer (新建客户): the form, and a phone number another customer has already."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, api
from console.people import current_person
from console.views.customers.common import CONSENTS, blank_to_none, blp, tags_of
from console.views.customers.words import edit_labels, labels

NEW_FIELDS = ("name", "phone", "kind", "intent_grade", "wanted_model", "owner", "deputy_owner", "store_id", "source",
              "email", "tags", "notes", "purchase_type")


def _choices() -> dict[str, Any]:
    """Who may own a customer and which stores there are, for the form's choices (either may be unavailable)."""
    parts = api().gather({"users": lambda a: a.get("/users", page_size=100),
                          "stores": lambda a: a.get("/stores", page_size=200)})
    users = [] if isinstance(parts["users"], ApiError) else parts["users"]
    stores = [] if isinstance(parts["stores"], ApiError) else parts["stores"].get("items", [])
    users = users if isinstance(users, list) else users.get("items", [])
    return {"user_options": [(user["username"], f'{user.get("display_name") or user["username"]} ({user["username"]})')
                             for user in users if user.get("active", True)],
            "store_options": [(store["id"], store.get("name") or store["id"]) for store in stores]}


def _new_body(form) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in NEW_FIELDS:
        value = blank_to_none(form.get(name))
        if value is None:
            continue
        body[name] = tags_of(value) if name == "tags" else value
    if body.get("kind") != "prospect":
        body.pop("intent_grade", None)
        body.pop("wanted_model", None)
    body["consent"] = {channel: form.get(f"consent.{channel}") == "on" for channel in CONSENTS}
    return body


def _existing(customer_id: str) -> dict[str, Any]:
    """The customer who has the phone already (its id alone when it cannot be read)."""
    try:
        return api().get(f"/customers/{customer_id}")
    except ApiError:
        return {"id": customer_id, "name": None}


def _refusal(refused: ApiError) -> dict[str, Any]:
    """What the form shows of a refused customer: the one who has the phone, or the API's messages."""
    if refused.status == 409 and refused.problem.get("existing_customer_id"):
        return {"existing": _existing(refused.problem["existing_customer_id"])}
    if refused.status == 422:
        return {"errors": refused.errors, "failure": refused}
    return {"failure": refused}


@blp.route("/customers/new", methods=["GET", "POST"])
def new():
    person = current_person()
    if not person.can("write"):  # a reader is told so on the page (the form would only be refused)
        return render_template("customers/new.html", may_not=True, labels=labels())
    values: dict[str, Any] = {"kind": "prospect"}
    shown: dict[str, Any] = {"errors": {}, "failure": None, "existing": None}
    status = 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            created = api().post("/customers", _new_body(request.form))
        except ApiError as refused:
            status = refused.status
            shown.update(_refusal(refused))
        else:
            flash(_("Customer %(name)s created.", name=created["name"]))
            return redirect(url_for("customers.show", customer_id=created["id"]))
    return render_template("customers/new.html", values=values, errors=shown["errors"], failure=shown["failure"],
                           existing=shown["existing"], labels=labels(), consents=CONSENTS, consent_names={
                               channel: edit_labels()[f"consent.{channel}"] for channel in CONSENTS},
                           **_choices()), status
