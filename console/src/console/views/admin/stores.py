"""The dealer group's stores (门店): the list, a new store, and one store's name and region."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from console.api import ApiError, api
from console.views.admin.common import blp, listed, text, vocabulary
from console.views.forms import written

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
    return render_template("admin/stores.html", stores=listed("/stores"), values=values or {}, errors=errors or {},
                           error=error, **vocabulary()), status


@blp.get("/admin/stores")
def stores():
    return _stores_page()


@blp.post("/admin/stores")
def create_store():
    values = {name: text(name) for name in ("id", *STORE_FIELDS)}
    return written(lambda: api().post("/stores", {"id": values["id"], **_store_body(values)}),
                   url_for("admin.store", store_id=values["id"], saved=1),
                   lambda refused: _stores_page(values=values, errors=_store_errors(refused), error=refused,
                                                status=refused.status))


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
                           **vocabulary()), status


@blp.get("/admin/stores/<store_id>")
def store(store_id: str):
    return _store_page(store_id)


@blp.post("/admin/stores/<store_id>")
def change_store(store_id: str):
    values = {name: text(name) for name in STORE_FIELDS}
    return written(lambda: api().patch(f"/stores/{store_id}", _store_body(values)),
                   url_for("admin.store", store_id=store_id, saved=1),
                   lambda refused: _store_page(store_id, values=values, errors=_store_errors(refused), error=refused,
                                               status=refused.status))
