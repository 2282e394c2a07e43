"""Customer data (客户数据): imports of customers and vehicles from CSV or XLSX (a dry run first, every rejected row
by line and column, then the import with its progress), exports of a customer search, likely duplicates with a
side-by-side merge preview, merge and undo, and a customer's personal data (export, erasure after confirmation)."""
from __future__ import annotations

import os
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_

from console.api import CLIENT_HEADER, ApiError, Page, SignInNeeded, _problem_of, api
from console.people import current_person

blp = Blueprint("data", __name__)

# -- words ----------------------------------------------------------------------------------------------------

IMPORT_KINDS = {"customers": N_("Customers"), "vehicles": N_("Vehicles")}
IMPORT_MODES = {"create": N_("New customers only"), "update": N_("Existing customers only"),
                "upsert": N_("New and existing customers")}
IMPORT_KEYS = {"phone": N_("Phone"), "external_id": N_("External ID (from another system)")}
IMPORT_STATUSES = {"running": N_("In progress"), "done": N_("Done"), "failed": N_("Stopped with an error")}
FORMATS = {"csv": N_("CSV file"), "xlsx": N_("Excel file (XLSX)")}
#: The evidence the duplicates API gives for a pair.
REASONS = {
    "same_email": N_("Same email"), "same_vehicle_plate": N_("Same vehicle plate"),
    "same_name_same_region": N_("Same name, same region"), "same_name": N_("Same name"),
    "same_pinyin_same_region": N_("Same pinyin, same region"), "same_pinyin": N_("Same pinyin"),
    "same_birthday": N_("Same birthday"), "same_employer": N_("Same employer"),
}
#: Which side a conflicting field takes its value from.
SIDES = {"survivor": N_("Keep this record's"), "merged": N_("Take the duplicate's"), "both": N_("Keep both")}
#: Fields where both values may be kept, joined.
JOINABLE = frozenset({"notes", "blacklist_reason"})
#: What a merge moves, by the API's counts.
MOVED = {"assets": N_("Vehicles"), "visits": N_("Visit records"), "history": N_("History entries"),
         "points": N_("Points entries"), "points_ledger": N_("Points entries"), "consent": N_("Consent records"),
         "consent_records": N_("Consent records")}
#: The filters of the customers list that an export takes.
EXPORT_FILTERS = ("q", "kind", "stage", "owner", "store_id", "tag", "tier", "intent_grade")
PAGE_SIZE = 20
ERRORS_PAGE_SIZE = 50
#: Where an uploaded file waits between its dry run and its import (on this machine, for this person's session).
UPLOADS = Path(tempfile.gettempdir()) / "console-uploads"


def need(permission: str) -> None:
    person = current_person()
    if not person or not person.can(permission):
        abort(403)


def field_label(name: str) -> str:
    """A customer field in words (the profile's own labels; a field they do not name, as the API names it)."""
    from console.views.customers import _edit_labels

    return _edit_labels().get(name) or name.replace("_", " ")


# -- the API's multipart upload -------------------------------------------------------------------------------


def upload(path: str, filename: str, content: bytes, form: dict[str, str]) -> dict[str, Any]:
    """POST a file (multipart, field `file`) with its form fields to the API, as the person; the job it starts."""
    made = api()
    headers = {"Accept-Language": made.language}
    if made.token:
        headers["Authorization"] = f"Bearer {made.token}"
    if made.request_id:
        headers["X-Request-ID"] = made.request_id
    if made.vouched_client:
        headers[CLIENT_HEADER] = made.vouched_client
    try:
        response = made.client.client.post(path, files={"file": (filename, content)}, data=form, headers=headers)
    except httpx.HTTPError:  # no answer at all: the archive is unreachable
        raise ApiError(503, {"title": "Service Unavailable", "service": "customer",
                             "detail": "The API cannot be reached."}) from None
    finally:
        made.calls += 1
    if response.status_code == 401 and made.token:
        raise SignInNeeded(_problem_of(response).get("detail"))
    if response.status_code >= 400:
        raise ApiError(response.status_code, _problem_of(response))
    return response.json()


def _keep_upload(content: bytes, filename: str) -> str:
    UPLOADS.mkdir(parents=True, exist_ok=True)
    key = uuid.uuid4().hex
    (UPLOADS / key).write_bytes(content)
    kept = dict(session.get("uploads") or {})
    kept[key] = filename
    session["uploads"] = dict(list(kept.items())[-10:])
    return key


def _kept_upload(key: str) -> tuple[str, bytes] | None:
    filename = (session.get("uploads") or {}).get(key)
    if not filename or not (UPLOADS / key).is_file():
        return None
    return filename, (UPLOADS / key).read_bytes()


def _forget_upload(key: str) -> None:
    kept = dict(session.get("uploads") or {})
    kept.pop(key, None)
    session["uploads"] = kept
    try:
        os.remove(UPLOADS / key)
    except OSError:
        pass


# -- imports --------------------------------------------------------------------------------------------------


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
                key = _keep_upload(content, sent.filename)
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
    ready = job["dry_run"] and job["status"] == "done" and _kept_upload(key) is not None
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
    kept = _kept_upload(key)
    if kept is None:
        flash(_("The file is no longer here: choose it again."))
        return redirect(url_for("data.imports"))
    values = _options(request.form)
    try:
        job = _start(values, kept[0], kept[1], dry_run=False)
    except ApiError as error:
        return render_template("data/imports.html", values=values, errors=error.errors, failed=error,
                               words=_import_words()), error.status if error.status < 500 else 200
    _forget_upload(key)
    return redirect(url_for("data.import_job", import_id=job["id"]))


# -- exports --------------------------------------------------------------------------------------------------


def _export_args() -> dict[str, str]:
    args = {name: request.args.get(name, "").strip() for name in EXPORT_FILTERS}
    return {name: value for name, value in args.items() if value}


@blp.get("/data/exports")
def exports():
    from console.views.customers import labels

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
        from console.views.customers import labels

        return render_template("data/exports.html", args=_export_args(), formats=FORMATS, kinds=IMPORT_KINDS,
                               store_names={}, labels=labels(), failed=error,
                               errors=error.errors if error.status == 422 else {}), \
            error.status if error.status < 500 else 200
    headers = {"Content-Type": answer.headers.get("Content-Type", "application/octet-stream")}
    if answer.headers.get("Content-Disposition"):
        headers["Content-Disposition"] = answer.headers["Content-Disposition"]
    return Response(answer.content, headers=headers)


# -- duplicates and merges ------------------------------------------------------------------------------------


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


# -- personal data --------------------------------------------------------------------------------------------

#: What erasure removes, as the person is told before confirming.
ERASED = (N_("Name, phone numbers, email, address, birthday and gender"),
          N_("Employer, job title, notes, tags and WeChat identity"),
          N_("Vehicles' plates and VINs, and the notes of visits"),
          N_("The same in records merged into this customer, and in every other service"))


@blp.get("/data/customers/<uuid:customer_id>/personal-data")
def personal_data(customer_id):
    customer = api().get(f"/customers/{customer_id}")
    return render_template("data/personal.html", customer=customer, erased=ERASED,
                           messages=get_flashed_messages())


@blp.get("/data/customers/<uuid:customer_id>/personal-data/download")
def personal_data_download(customer_id):
    try:
        answer = api().send("GET", f"/customers/{customer_id}/personal-data")
    except ApiError as error:
        if error.status == 404:
            raise
        customer = api().get(f"/customers/{customer_id}")
        return render_template("data/personal.html", customer=customer, erased=ERASED, failed=error,
                               messages=[]), error.status if error.status < 500 else 200
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(answer.content, headers={
        "Content-Type": answer.headers.get("Content-Type", "application/json"),
        "Content-Disposition": f'attachment; filename="personal-data-{customer_id}-{stamp}.json"'})


@blp.route("/data/customers/<uuid:customer_id>/erasure", methods=["GET", "POST"])
def erasure(customer_id):
    need("manage")
    customer = api().get(f"/customers/{customer_id}")
    errors, failed = {}, None
    if request.method == "POST":
        typed = request.form.get("confirm_name", "").strip()
        if typed != (customer.get("name") or "").strip():
            errors = {"confirm_name": [_("Type the customer's name exactly as shown to confirm.")]}
        else:
            try:
                api().post(f"/customers/{customer_id}/erasure")
            except ApiError as error:
                failed = error
            else:
                flash(_("The customer's personal data was erased."))
                return redirect(url_for("data.personal_data", customer_id=customer_id))
        status = 422 if errors else (failed.status if failed and failed.status < 500 else 200)
        return render_template("data/erasure.html", customer=customer, erased=ERASED, errors=errors,
                               failed=failed), status
    return render_template("data/erasure.html", customer=customer, erased=ERASED, errors=errors, failed=failed)
