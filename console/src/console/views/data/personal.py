"""A customer's personal data (个人信息): its export, and its erasure after the person confirms."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_

from console.api import ApiError, api
from console.views.data.common import blp, need

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
