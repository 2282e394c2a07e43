"""Exports of a customer search (导出), as CSV or XLSX."""
from __future__ import annotations

from flask import Response, render_template, request

from console.api import ApiError, api
from console.views.customers import labels
from console.views.data.common import FORMATS, IMPORT_KINDS, blp

#: The filters of the customers list that an export takes.
EXPORT_FILTERS = ("q", "kind", "stage", "owner", "store_id", "tag", "tier", "intent_grade")


def _export_args() -> dict[str, str]:
    args = {name: request.args.get(name, "").strip() for name in EXPORT_FILTERS}
    return {name: value for name, value in args.items() if value}


@blp.get("/data/exports")
def exports():
    stores = api().gather({"stores": lambda a: a.get("/stores", page_size=200)})["stores"]
    store_names = {} if isinstance(stores, ApiError) else {s["id"]: s["name"] for s in stores.get("items", [])}
    return render_template("data/exports.html", args=_export_args(), formats=FORMATS, kinds=IMPORT_KINDS,
                           store_names=store_names, labels=labels())


@blp.get("/data/exports/download")
def export_download():
    """The API's file, passed on as it answered it (its type and its name)."""
    fmt = request.args.get("format", "csv")
    fmt = fmt if fmt in FORMATS else "csv"
    path = "/customers/vehicles/export" if request.args.get("what") == "vehicles" else "/customers/export"
    try:
        answer = api().send("GET", path, params={**_export_args(), "format": fmt})
    except ApiError as error:
            return render_template("data/exports.html", args=_export_args(), formats=FORMATS, kinds=IMPORT_KINDS,
                               store_names={}, labels=labels(), failed=error,
                               errors=error.errors if error.status == 422 else {}), \
            error.status if error.status < 500 else 200
    headers = {"Content-Type": answer.headers.get("Content-Type", "application/octet-stream")}
    if answer.headers.get("Content-Disposition"):
        headers["Content-Disposition"] = answer.headers["Content-Disposition"]
    return Response(answer.content, headers=headers)
