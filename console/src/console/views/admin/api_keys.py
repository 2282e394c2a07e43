"""API keys for integrations (接口密钥): the list, a new key (its secret shown once), and revoking one."""
from __future__ import annotations

from flask import render_template, request, url_for

from console.api import ApiError, api
from console.views.admin.common import blp, listed, stores_of, text, vocabulary
from console.views.forms import written


def _keys_page(*, created: dict | None = None, values: dict | None = None, errors: dict | None = None,
               error: ApiError | None = None, revoke_error: ApiError | None = None, status: int = 200):
    keys = listed("/api-keys")
    confirm = request.args.get("confirm")
    confirming = None
    if confirm and not isinstance(keys, ApiError):
        confirming = next((key for key in keys.items if key.get("id") == confirm and key.get("active")), None)
    response = render_template("admin/api_keys.html", keys=keys, created=created, values=values or {},
                               errors=errors or {}, error=error, revoke_error=revoke_error, confirming=confirming,
                               revoked=request.args.get("revoked"), **vocabulary())
    headers = {"Cache-Control": "no-store"} if created else {}
    return response, status, headers


@blp.get("/admin/api-keys")
def api_keys():
    return _keys_page()


@blp.post("/admin/api-keys")
def create_api_key():
    values = {name: text(name) for name in ("name", "role", "stores")}
    body = {"name": values["name"], "role": values["role"] or "integration", "stores": stores_of(values["stores"])}
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
    return written(lambda: api().send("DELETE", f"/api-keys/{key_id}"),
                   url_for("admin.api_keys", revoked=text("name") or key_id),
                   lambda refused: _keys_page(revoke_error=refused, status=refused.status))
