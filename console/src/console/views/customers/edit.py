"""Editing a customer's profile (编辑客户), and the side-by-side view when someone else saved it meanwhile."""
from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, api
from console.people import current_person
from console.views.customers.common import CONSENTS, blp, tags_of
from console.views.customers.words import edit_labels, labels

#: The profile fields the edit form changes (as the form names them).
EDIT_FIELDS = ("name", "phone", "kind", "stage", "intent_grade", "wanted_model", "owner", "deputy_owner", "tags",
               "email", "source", "notes", "quiet_hours.start", "quiet_hours.end",
               *(f"consent.{channel}" for channel in CONSENTS))


def form_values(customer: dict[str, Any]) -> dict[str, str]:
    """A customer's editable fields as the edit form shows them (text)."""
    quiet = customer.get("quiet_hours") or {}
    consent = customer.get("consent") or {}
    values = {name: "" if customer.get(name) is None else str(customer[name])
              for name in EDIT_FIELDS if "." not in name}
    values["tags"] = ", ".join(customer.get("tags") or [])
    values["quiet_hours.start"], values["quiet_hours.end"] = quiet.get("start") or "", quiet.get("end") or ""
    for channel in CONSENTS:
        values[f"consent.{channel}"] = "on" if consent.get(channel) else ""
    return values


def submitted_values(form) -> dict[str, str]:
    values = {name: (form.get(name) or "").strip() for name in EDIT_FIELDS}
    for channel in CONSENTS:
        values[f"consent.{channel}"] = "on" if form.get(f"consent.{channel}") == "on" else ""
    return values


def edit_body(changed: dict[str, str], values: dict[str, str]) -> dict[str, Any]:
    """The PATCH body of the fields the person changed (a consent or quiet hours change sends the whole group)."""
    body: dict[str, Any] = {}
    for name in changed:
        if name.startswith("consent."):
            body["consent"] = {channel: values[f"consent.{channel}"] == "on" for channel in CONSENTS}
        elif name.startswith("quiet_hours."):
            start, end = values["quiet_hours.start"], values["quiet_hours.end"]
            body["quiet_hours"] = {"start": start, "end": end} if start or end else None
        elif name == "tags":
            body["tags"] = tags_of(values["tags"])
        else:
            body[name] = values[name] or None
    return body


def _form(customer: dict[str, Any], values: dict[str, str], seen: dict[str, str], version: Any, *,
          errors: dict[str, list[str]] | None = None, failure: ApiError | None = None,
          conflict: dict[str, Any] | None = None) -> str:
    return render_template("customers/edit.html", customer=customer, values=values, seen=seen, version=version,
                           errors=errors or {}, failure=failure, conflict=conflict, names=edit_labels(),
                           labels=labels(), consents=CONSENTS)


def _seen() -> dict[str, str]:
    """The fields as the form showed them when it was opened (sent back with it)."""
    try:
        return json.loads(request.form.get("seen") or "{}")
    except ValueError:
        return {}


def _is_conflict(refused: ApiError) -> bool:
    """Whether someone saved the customer since the form was opened."""
    return refused.status in (409, 412) and (refused.problem.get("current_version") is not None
                                             or refused.status == 412)


@blp.route("/customers/<uuid:customer_id>/edit", methods=["GET", "POST"])
def edit(customer_id):
    customer_id = str(customer_id)
    person = current_person()
    if not person.can("write"):
        abort(403)
    if request.method == "GET":
        customer = api().get(f"/customers/{customer_id}")
        seen = form_values(customer)
        return _form(customer, seen, seen, customer["version"])
    seen = _seen()
    values = submitted_values(request.form)
    changed = {name: value for name, value in values.items() if value != seen.get(name, "")}
    version = request.form.get("version", "")
    if not changed:
        flash(_("Nothing was changed."))
        return redirect(url_for("customers.show", customer_id=customer_id))
    try:
        api().patch(f"/customers/{customer_id}", edit_body(changed, values), headers={"If-Match": f'"{version}"'})
    except ApiError as refused:
        if _is_conflict(refused):
            return _conflict(customer_id, seen, values, changed, refused)
        if refused.status in (403, 409, 412, 422, 428) or refused.unavailable:
            customer = {"id": customer_id, "name": seen.get("name", "")}
            return _form(customer, values, seen, version, errors=refused.errors, failure=refused), refused.status
        raise
    flash(_("Profile saved."))
    return redirect(url_for("customers.show", customer_id=customer_id))


def _conflict(customer_id: str, seen: dict[str, str], values: dict[str, str], changed: dict[str, str],
              refused: ApiError):
    """Someone saved the customer since the person opened the form: show, field by field, what they typed
    next to what the customer is now (and what else changed), with a form holding their changes on top of the
    current record, ready to save again."""
    current = api().get(f"/customers/{customer_id}")
    now = form_values(current)
    rows = []
    for name in EDIT_FIELDS:
        theirs_changed, others_changed = name in changed, now.get(name, "") != seen.get(name, "")
        if theirs_changed or others_changed:
            rows.append({"name": name, "was": seen.get(name, ""), "yours": values[name] if theirs_changed else None,
                         "now": now.get(name, "")})
    retry = {**now, **changed}
    return _form(current, retry, now, current["version"], conflict={"rows": rows, "error": refused}), 409
