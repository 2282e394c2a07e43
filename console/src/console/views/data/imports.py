"""Imports of customers and vehicles from CSV or XLSX (导入): a dry run first, every rejected row by line and
column, then the import with its progress."""
from __future__ import annotations

from typing import Any

from flask import Response, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, Page, api
from console.views.data.common import IMPORT_KEYS, IMPORT_KINDS, IMPORT_MODES, IMPORT_STATUSES, blp, field_label, need
from console.views.data.uploads import forget_upload, keep_upload, kept_upload, upload

ERRORS_PAGE_SIZE = 50


def _import_words() -> dict[str, Any]:
    return {"kinds": IMPORT_KINDS, "modes": IMPORT_MODES, "columns": IMPORT_KEYS, "statuses": IMPORT_STATUSES}


def _options(form) -> dict[str, str]:
    kind = form.get("kind", "customers")
    options = {"kind": kind if kind in IMPORT_KINDS else "customers",
               "mode": form.get("mode", "create") if form.get("mode") in IMPORT_MODES else "create",
               "key": form.get("key", "phone") if form.get("key") in IMPORT_KEYS else "phone"}
    return options


def _start(options: dict[str, str], filename: str, content: bytes, dry_run: bool) -> dict[str, Any]:
    form = {"key": options["key"], "dry_run": "true" if dry_run else "false"}
    if options["kind"] == "vehicles":
        return upload("/customers/vehicles/imports", filename, content, form)
    return upload("/customers/imports", filename, content, {**form, "mode": options["mode"]})


@blp.route("/data/imports", methods=["GET", "POST"])
def imports():
    values, errors, failed = _options(request.form if request.method == "POST" else request.args), {}, None
    if request.method == "POST":
        need("manage")
        sent = request.files.get("file")
        if not sent or not sent.filename:
            errors = {"file": [_("Choose a CSV or Excel file.")]}
        else:
            content = sent.read()
            try:
                job = _start(values, sent.filename, content, dry_run=True)
            except ApiError as error:
                if error.status in (413, 422):
                    errors = error.errors or {"file": [error.message]}
                failed = error
            else:
                key = keep_upload(content, sent.filename)
                return redirect(url_for("data.import_job", import_id=job["id"], upload=key, **values))
        return render_template("data/imports.html", values=values, errors=errors, failed=failed,
                               words=_import_words()), 422
    return render_template("data/imports.html", values=values, errors=errors, failed=failed,
                           words=_import_words())


def _progress(job: dict[str, Any]) -> dict[str, Any]:
    total = max(int(job.get("rows_total") or 0), 0)
    done = min(int(job.get("rows_done") or 0), total) if total else int(job.get("rows_done") or 0)
    if job.get("status") == "done":
        percent = 100
    else:
        percent = int(done * 100 / total) if total else 0
    return {"done": done, "total": total, "percent": percent}


@blp.get("/data/imports/<uuid:import_id>")
def import_job(import_id):
    job = api().get(f"/customers/imports/{import_id}")
    errors = None
    number = max(1, request.args.get("page", 1, type=int) or 1)
    if job["status"] != "running" and job.get("failed"):
        errors = Page.of_body(api().get(f"/customers/imports/{import_id}/errors", page=number,
                                        page_size=ERRORS_PAGE_SIZE), ERRORS_PAGE_SIZE)
    key = request.args.get("upload", "")
    ready = job["dry_run"] and job["status"] == "done" and kept_upload(key) is not None
    return render_template("data/import.html", job=job, progress=_progress(job), errors=errors,
                           values=_options(request.args), upload=key if ready else None, words=_import_words(),
                           messages=get_flashed_messages(), field_label=field_label)


@blp.get("/data/imports/<uuid:import_id>/progress")
def import_progress(import_id):
    """The progress fragment an import's page polls every second while the import runs."""
    job = api().get(f"/customers/imports/{import_id}")
    response = Response(render_template("data/_progress.html", job=job, progress=_progress(job),
                                        words=_import_words()))
    if job["status"] != "running" and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"  # done: the whole page, with its counts and errors
    return response


@blp.post("/data/imports/run")
def run_import():
    """Import for real the file whose dry run the person has seen (its rows with errors are left out)."""
    need("manage")
    key = request.form.get("upload", "")
    kept = kept_upload(key)
    if kept is None:
        flash(_("The file is no longer here: choose it again."))
        return redirect(url_for("data.imports"))
    values = _options(request.form)
    try:
        job = _start(values, kept[0], kept[1], dry_run=False)
    except ApiError as error:
        return render_template("data/imports.html", values=values, errors=error.errors, failed=error,
                               words=_import_words()), error.status if error.status < 500 else 200
    forget_upload(key)
    return redirect(url_for("data.import_job", import_id=job["id"]))
