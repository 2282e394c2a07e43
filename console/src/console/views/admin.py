"""Administration (管理员): staff accounts, API keys for integrations, and the dealer group's stores.

The API decides who may do what (these routes are the admins'); the pages show their forms and buttons to admins
only. A password or an API key's secret is never shown again after it was set or created, and never goes into a
URL: the secret of a new key is in the answer to the form that created it and nowhere else."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as N_

from console.api import ApiError, Page, api
from console.people import current_person

blp = Blueprint("admin", __name__)

ROLES = {"admin": N_("Administrator"), "manager": N_("Store manager"), "agent": N_("Customer care agent"),
         "viewer": N_("Read only"), "integration": N_("Integration")}
PAGE_SIZE = 20
#: The password rules the gateway applies, said beside the field.
PASSWORD_RULES = N_("At least 10 characters, not one of the most common passwords, and without the username.")
CONTACTS = ("phone", "email", "wechat_openid")


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1



def _stores_of(text: str) -> list[str]:
    """Store ids as typed: separated by commas (either width), semicolons or spaces."""
    for mark in ("，", ";", "；", " "):
        text = text.replace(mark, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _vocabulary() -> dict[str, Any]:
    person = current_person()
    return {"roles": ROLES, "role_choices": [(code, str(label)) for code, label in ROLES.items()],
            "is_admin": bool(person and person.can("admin")), "password_rules": PASSWORD_RULES}


# -- users ----------------------------------------------------------------------------------------------------


def _users_page(*, values: dict | None = None, errors: dict | None = None, error: ApiError | None = None,
                status: int = 200):
    users: Page | ApiError
    try:
        users = api().page("/users", page=_page_number(), page_size=PAGE_SIZE)
    except ApiError as refused:
        users = refused
    return render_template("admin/users.html", users=users, values=values or {}, errors=errors or {},
                           error=error, **_vocabulary()), status


@blp.get("/admin/users")
def users():
    return _users_page()


@blp.post("/admin/users")
def create_user():
    values = {name: _text(name) for name in ("username", "display_name", "role", "stores", *CONTACTS)}
    body: dict[str, Any] = {"username": values["username"], "password": request.form.get("password") or "",
                            "role": values["role"], "stores": _stores_of(values["stores"]),
                            "display_name": values["display_name"] or None}
    contacts = {name: values[name] for name in CONTACTS if values[name]}
    if contacts:
        body["contacts"] = contacts
    try:
        api().post("/users", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        errors = dict(refused.errors)
        for name in CONTACTS:  # the API names a contact's field contacts.<name>
            if f"contacts.{name}" in errors:
                errors[name] = errors.pop(f"contacts.{name}")
        return _users_page(values=values, errors=errors, error=refused, status=refused.status)
    return redirect(url_for("admin.user", username=values["username"], created=1))


def _user_page(username: str, *, failed: dict[str, ApiError] | None = None, values: dict | None = None,
               status: int = 200):
    try:
        user = api().get(f"/users/{username}")
    except ApiError as refused:
        user = refused
        status = refused.status if status == 200 else status
    return render_template("admin/user.html", username=username, user=user, failed=failed or {},
                           values=values or {}, created=bool(request.args.get("created")),
                           changed=request.args.get("changed"), **_vocabulary()), status


@blp.get("/admin/users/<username>")
def user(username: str):
    return _user_page(username)


def _change_user(username: str, form: str, body: dict[str, Any], changed: str):
    try:
        api().patch(f"/users/{username}", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        values = {key: value for key, value in request.form.items() if key not in ("password", "csrf_token")}
        return _user_page(username, failed={form: refused}, values={form: values}, status=refused.status)
    return redirect(url_for("admin.user", username=username, changed=changed))


@blp.post("/admin/users/<username>/access")
def change_access(username: str):
    body = {"role": _text("role"), "stores": _stores_of(_text("stores")), "display_name": _text("display_name") or None}
    return _change_user(username, "access", body, "access")


@blp.post("/admin/users/<username>/active")
def change_active(username: str):
    active = request.form.get("active") == "true"
    return _change_user(username, "active", {"active": active}, "reactivated" if active else "deactivated")


@blp.post("/admin/users/<username>/password")
def reset_password(username: str):
    return _change_user(username, "password", {"password": request.form.get("password") or ""}, "password")


# -- API keys -------------------------------------------------------------------------------------------------


def _keys_page(*, created: dict | None = None, values: dict | None = None, errors: dict | None = None,
               error: ApiError | None = None, revoke_error: ApiError | None = None, status: int = 200):
    keys: Page | ApiError
    try:
        keys = api().page("/api-keys", page=_page_number(), page_size=PAGE_SIZE)
    except ApiError as refused:
        keys = refused
    confirm = request.args.get("confirm")
    confirming = None
    if confirm and not isinstance(keys, ApiError):
        confirming = next((key for key in keys.items if key.get("id") == confirm and key.get("active")), None)
    response = render_template("admin/api_keys.html", keys=keys, created=created, values=values or {},
                               errors=errors or {}, error=error, revoke_error=revoke_error, confirming=confirming,
                               revoked=request.args.get("revoked"), **_vocabulary())
    headers = {"Cache-Control": "no-store"} if created else {}
    return response, status, headers


@blp.get("/admin/api-keys")
def api_keys():
    return _keys_page()


@blp.post("/admin/api-keys")
def create_api_key():
    values = {name: _text(name) for name in ("name", "role", "stores")}
    body = {"name": values["name"], "role": values["role"] or "integration", "stores": _stores_of(values["stores"])}
    try:
        created = api().post("/api-keys", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _keys_page(values=values, errors=refused.errors, error=refused, status=refused.status)
    # The secret is in this answer only: no redirect, since it may go neither into a URL nor into the session.
    return _keys_page(created=created, status=201)


@blp.post("/admin/api-keys/<key_id>/revoke")
def revoke_api_key(key_id: str):
    try:
        api().send("DELETE", f"/api-keys/{key_id}")
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _keys_page(revoke_error=refused, status=refused.status)
    return redirect(url_for("admin.api_keys", revoked=_text("name") or key_id))


# -- stores ---------------------------------------------------------------------------------------------------

STORE_FIELDS = ("name", "province", "city", "district", "address")


def _store_body(values: dict[str, str]) -> dict[str, Any]:
    region = {name: values[name] or None for name in ("province", "city", "district")}
    return {"name": values["name"], "region": region if any(region.values()) else None,
            "address": values["address"] or None}


def _store_errors(refused: ApiError) -> dict[str, list[str]]:
    """The API's messages by the form's field names (region.city -> city)."""
    return {name.removeprefix("region."): messages for name, messages in refused.errors.items()}


def _stores_page(*, values: dict | None = None, errors: dict | None = None, error: ApiError | None = None,
                 status: int = 200):
    stores: Page | ApiError
    try:
        stores = api().page("/stores", page=_page_number(), page_size=PAGE_SIZE)
    except ApiError as refused:
        stores = refused
    return render_template("admin/stores.html", stores=stores, values=values or {}, errors=errors or {},
                           error=error, **_vocabulary()), status


@blp.get("/admin/stores")
def stores():
    return _stores_page()


@blp.post("/admin/stores")
def create_store():
    values = {name: _text(name) for name in ("id", *STORE_FIELDS)}
    try:
        api().post("/stores", {"id": values["id"], **_store_body(values)})
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _stores_page(values=values, errors=_store_errors(refused), error=refused, status=refused.status)
    return redirect(url_for("admin.store", store_id=values["id"], saved=1))


def _store_page(store_id: str, *, values: dict | None = None, errors: dict | None = None,
                error: ApiError | None = None, status: int = 200):
    try:
        store = api().get(f"/stores/{store_id}")
    except ApiError as refused:
        store = refused
        status = refused.status if status == 200 else status
    if values is None and not isinstance(store, ApiError):
        region = store.get("region") or {}
        values = {"name": store.get("name") or "", "address": store.get("address") or "",
                  **{name: region.get(name) or "" for name in ("province", "city", "district")}}
    return render_template("admin/store.html", store_id=store_id, store=store, values=values or {},
                           errors=errors or {}, error=error, saved=bool(request.args.get("saved")),
                           **_vocabulary()), status


@blp.get("/admin/stores/<store_id>")
def store(store_id: str):
    return _store_page(store_id)


@blp.post("/admin/stores/<store_id>")
def change_store(store_id: str):
    values = {name: _text(name) for name in STORE_FIELDS}
    try:
        api().patch(f"/stores/{store_id}", _store_body(values))
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _store_page(store_id, values=values, errors=_store_errors(refused), error=refused,
                           status=refused.status)
    return redirect(url_for("admin.store", store_id=store_id, saved=1))
