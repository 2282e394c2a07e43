"""Opt-outs (退订): the customers who asked not to be contacted on a channel."""
from __future__ import annotations

from flask import render_template, request, url_for

from console.api import ApiError, Page, api
from console.views.forms import written
from console.views.settings.common import CHANNELS, VOCABULARY, blp, manager

OPT_OUT_PAGE_SIZE = 20


def _opt_outs_page(*, failed: ApiError | None = None, values: dict | None = None, status: int = 200):
    try:
        page_number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_number = 1
    customer_id = (request.args.get("customer_id") or "").strip()
    try:
        items = api().get("/reminders/opt-outs", customer_id=customer_id or None).get("items", [])
        total = len(items)
        pages = max(1, -(-total // OPT_OUT_PAGE_SIZE))
        page_number = min(page_number, pages)
        start = (page_number - 1) * OPT_OUT_PAGE_SIZE
        opt_outs: Page | ApiError = Page(items=items[start:start + OPT_OUT_PAGE_SIZE], total=total,
                                         page=page_number, pages=pages, page_size=OPT_OUT_PAGE_SIZE)
    except ApiError as refused:
        if not refused.unavailable and refused.status != 422:
            raise
        opt_outs = refused
    return render_template("settings/opt_outs.html", opt_outs=opt_outs, customer_id=customer_id, failed=failed,
                           values=values or {}, channel_choices=[(c, str(w)) for c, w in CHANNELS.items()],
                           **VOCABULARY), status


@blp.get("/settings/opt-outs")
def opt_outs():
    return _opt_outs_page()


@blp.post("/settings/opt-outs")
def add_opt_out():
    manager()
    form = request.form
    body = {"customer_id": (form.get("customer_id") or "").strip(), "channel": form.get("channel", "")}
    return written(lambda: api().post("/reminders/opt-outs", body),
                   url_for("settings.opt_outs"),
                   lambda refused: _opt_outs_page(failed=refused, values=dict(form), status=refused.status))


@blp.post("/settings/opt-outs/<customer_id>/<channel>/delete")
def remove_opt_out(customer_id: str, channel: str):
    manager()
    return written(lambda: api().send("DELETE", f"/reminders/opt-outs/{customer_id}/{channel}"),
                   url_for("settings.opt_outs"),
                   lambda refused: _opt_outs_page(failed=refused, status=refused.status))
