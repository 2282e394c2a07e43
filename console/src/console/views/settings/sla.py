"""SLA policies per complaint category and severity (服务时限), the complaint workflow's settings, and the
escalation contacts of each store."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from console.api import ApiError, api
from console.views.complaints import CATEGORIES, LEVELS, SEVERITIES
from console.views.forms import written
from console.views.settings.common import ANY, MAX_MINUTES, SLA_NUMBERS, VOCABULARY, blp, manager, number

CONTACTS_PAGE_SIZE = 20


def _sla_page(*, failed: dict[str, ApiError] | None = None, values: dict[str, dict] | None = None,
              status: int = 200):
    try:
        contacts_page = max(1, int(request.args.get("contacts_page", 1)))
    except ValueError:
        contacts_page = 1
    found = api().gather({"policies": lambda a: a.get("/complaints/sla-policies"),
                          "settings": lambda a: a.get("/complaints/settings"),
                          "contacts": lambda a: a.page("/complaints/escalation-contacts", page=contacts_page,
                                                       page_size=CONTACTS_PAGE_SIZE)})
    policies = found["policies"]
    if not isinstance(policies, ApiError):
        order = {code: n for n, code in enumerate((ANY, *CATEGORIES))}
        rank = {code: n for n, code in enumerate((ANY, *SEVERITIES))}
        policies = sorted(policies, key=lambda p: (order.get(p["category"], 99), rank.get(p["severity"], 99)))
    category_choices = [(ANY, _("Any category")), *[(code, str(label)) for code, label in CATEGORIES.items()]]
    severity_choices = [(ANY, _("Any severity")), *[(code, str(label)) for code, label in SEVERITIES.items()]]
    return render_template("settings/sla.html", policies=policies, complaint_settings=found["settings"],
                           contacts=found["contacts"], level_choices=[(c, str(w)) for c, w in LEVELS.items()],
                           failed=failed or {}, values=values or {}, category_choices=category_choices,
                           severity_choices=severity_choices, max_minutes=MAX_MINUTES, **VOCABULARY), status


@blp.get("/settings/sla")
def sla():
    return _sla_page()


def _policy_body(form, names) -> dict[str, Any]:
    return {name: number(form.get(name)) for name in names if (form.get(name) or "").strip()}


@blp.post("/settings/sla")
def create_policy():
    manager()
    form = request.form
    body = {"category": form.get("category", ""), "severity": form.get("severity", ""),
            **_policy_body(form, SLA_NUMBERS)}
    return written(lambda: api().post("/complaints/sla-policies", body),
                   url_for("settings.sla"),
                   lambda refused: _sla_page(failed={"new": refused}, values={"new": dict(form)},
                                             status=refused.status))


@blp.post("/settings/sla/<policy_id>")
def change_policy(policy_id: str):
    manager()
    form = request.form
    return written(lambda: api().patch(f"/complaints/sla-policies/{policy_id}", _policy_body(form, SLA_NUMBERS)),
                   url_for("settings.sla") + f"#policy-{policy_id}",
                   lambda refused: _sla_page(failed={policy_id: refused}, values={policy_id: dict(form)},
                                             status=refused.status))


@blp.post("/settings/sla/<policy_id>/delete")
def delete_policy(policy_id: str):
    manager()
    return written(lambda: api().send("DELETE", f"/complaints/sla-policies/{policy_id}"),
                   url_for("settings.sla"),
                   lambda refused: _sla_page(failed={policy_id: refused}, status=refused.status))


@blp.post("/settings/complaints")
def change_complaint_settings():
    manager()
    body = {"survey_required_before_close": request.form.get("survey_required_before_close") == "true"}
    return written(lambda: api().patch("/complaints/settings", body),
                   url_for("settings.sla") + "#complaint-settings",
                   lambda refused: _sla_page(failed={"settings": refused}, status=refused.status))


@blp.post("/settings/escalation-contacts")
def add_contact():
    manager()
    form = request.form
    body = {name: (form.get(name) or "").strip() for name in ("store_id", "level", "username")}
    return written(lambda: api().post("/complaints/escalation-contacts", body),
                   url_for("settings.sla") + "#escalation-contacts",
                   lambda refused: _sla_page(failed={"contact": refused}, values={"contact": dict(form)},
                                             status=refused.status))


@blp.post("/settings/escalation-contacts/<contact_id>/delete")
def remove_contact(contact_id: str):
    manager()
    return written(lambda: api().send("DELETE", f"/complaints/escalation-contacts/{contact_id}"),
                   url_for("settings.sla") + "#escalation-contacts",
                   lambda refused: _sla_page(failed={"contact": refused}, status=refused.status))
