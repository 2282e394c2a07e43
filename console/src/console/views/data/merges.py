"""Likely duplicates (疑似重复), the side-by-side merge preview, the merge, and its undo."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, Page, api
from console.views.data.common import JOINABLE, MOVED, REASONS, SIDES, blp, field_label, need

PAGE_SIZE = 20


@blp.get("/data/duplicates")
def duplicates():
    number = max(1, request.args.get("page", 1, type=int) or 1)
    found = api().get("/customers/duplicates", page=number, page_size=PAGE_SIZE)
    return render_template("data/duplicates.html", page=Page.of_body(found, PAGE_SIZE), reasons=REASONS)


def _choices(form) -> dict[str, str]:
    return {name.removeprefix("choice-"): value for name, value in form.items()
            if name.startswith("choice-") and value in SIDES}


def _merge_body(form) -> dict[str, Any]:
    return {"survivor_id": form.get("survivor_id", ""), "merged_id": form.get("merged_id", ""),
            "choices": _choices(form)}


def _render_preview(body: dict[str, Any], failed: ApiError | None = None, status: int = 200):
    parts = api().gather({
        "preview": lambda a: a.post("/customers/merges/preview", body),
        "survivor": lambda a: a.get(f"/customers/{body['survivor_id']}"),
        "merged": lambda a: a.get(f"/customers/{body['merged_id']}"),
    })
    preview = parts["preview"]
    if isinstance(preview, ApiError) and preview.status not in (404, 409, 422) and not preview.unavailable:
        raise preview
    return render_template("data/preview.html", body=body, preview=preview, survivor=parts["survivor"],
                           merged=parts["merged"], failed=failed, sides=SIDES, joinable=JOINABLE,
                           moved_words=MOVED, field_label=field_label), status


@blp.get("/data/merges/preview")
def merge_preview():
    body = _merge_body(request.args)
    if not body["survivor_id"] or not body["merged_id"]:
        abort(404)
    return _render_preview(body)


@blp.post("/data/merges")
def merge():
    need("manage")
    body = _merge_body(request.form)
    try:
        done = api().post("/customers/merges", body)
    except ApiError as error:
        return _render_preview(body, failed=error, status=error.status if error.status < 500 else 200)
    flash(_("Merged: the duplicate's vehicles, visits and history now belong to this customer."))
    return redirect(url_for("data.merge_page", merge_id=done["merge_id"]))


def _render_merge(merge_id: str, failed: ApiError | None = None, status: int = 200):
    found = api().get(f"/customers/merges/{merge_id}")
    survivor = api().gather({"c": lambda a: a.get(f"/customers/{found['survivor_id']}")})["c"]
    until = found.get("undo_until")
    open_ = not found.get("undone_at") and until and datetime.fromisoformat(until) > datetime.now(UTC)
    return render_template("data/merge.html", merge=found, survivor=survivor, undoable=open_, failed=failed,
                           moved_words=MOVED, sides=SIDES, field_label=field_label,
                           messages=get_flashed_messages()), status


@blp.get("/data/merges/<uuid:merge_id>")
def merge_page(merge_id):
    return _render_merge(str(merge_id))


@blp.post("/data/merges/<uuid:merge_id>/undo")
def undo(merge_id):
    need("manage")
    try:
        api().post(f"/customers/merges/{merge_id}/undo")
    except ApiError as error:
        if error.status == 404:
            raise
        return _render_merge(str(merge_id), failed=error, status=error.status if error.status < 500 else 200)
    flash(_("The merge was undone: both records are back as they were."))
    return redirect(url_for("data.merge_page", merge_id=merge_id))
