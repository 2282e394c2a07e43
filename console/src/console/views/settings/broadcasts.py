"""Broadcasts (群发通知) to the customers of a store."""
from __future__ import annotations

from flask import render_template, request

from console.api import ApiError, api
from console.views.settings.common import VOCABULARY, blp, manager


@blp.route("/settings/broadcasts", methods=["GET", "POST"])
def broadcasts():
    values = {"message": request.form.get("message", ""), "store_id": request.form.get("store_id", "")}
    sent, error, status = None, None, 200
    if request.method == "POST":
        manager()
        body = {"message": values["message"].strip(), "store_id": values["store_id"].strip() or None}
        try:
            sent = api().post("/reminders/broadcasts", body)
        except ApiError as refused:
            if not refused.shown_in_place:
                raise
            error, status = refused, refused.status
        else:
            values = {"message": "", "store_id": ""}
    return render_template("settings/broadcasts.html", values=values, sent=sent, error=error,
                           errors=error.errors if error else {}, **VOCABULARY), status
