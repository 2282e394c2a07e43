"""Staff accounts (员工账号): the list, a new account, and one account's access, standing and password."""
from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from console.api import ApiError, api
from console.views.admin.common import blp, listed, stores_of, text, vocabulary

CONTACTS = ("phone", "email", "wechat_openid")


def _users_page(*, values: dict | None = None, errors: dict | None = None, error: ApiError | None = None,
                status: int = 200):
    return render_template("admin/users.html", users=listed("/users"), values=values or {}, errors=errors or {},
                           error=error, **vocabulary()), status


@blp.get("/admin/users")
def users():
    return _users_page()


@blp.post("/admin/users")
def create_user():
    values = {name: text(name) for name in ("username", "display_name", "role", "stores", *CONTACTS)}
    body: dict[str, Any] = {"username": values["username"], "password": request.form.get("password") or "",
                            "role": values["role"], "stores": stores_of(values["stores"]),
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
                           changed=request.args.get("changed"), **vocabulary()), status


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
    body = {"role": text("role"), "stores": stores_of(text("stores")), "display_name": text("display_name") or None}
    return _change_user(username, "access", body, "access")


@blp.post("/admin/users/<username>/active")
def change_active(username: str):
    active = request.form.get("active") == "true"
    return _change_user(username, "active", {"active": active}, "reactivated" if active else "deactivated")


@blp.post("/admin/users/<username>/password")
def reset_password(username: str):
    return _change_user(username, "password", {"password": request.form.get("password") or ""}, "password")
