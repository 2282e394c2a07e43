"""Settings (设置) for managers: SLA policies per complaint category and severity with the complaint workflow's
settings, reminder rules (each edited with a form built from its kind's parameters, their defaults and bounds),
opt-outs, and broadcasts to the customers of a store. Everyone may read them; only a manager sees the buttons."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as N_

from console.api import ApiError, Page, api
from console.people import current_person
from console.views.complaints import CATEGORIES, LEVELS, SEVERITIES, duration

blp = Blueprint("settings", __name__)

ANY = "*"
SLA_TARGETS = {"acknowledge_minutes": N_("Acknowledge within (working minutes)"),
               "respond_minutes": N_("Respond within (working minutes)"),
               "resolve_minutes": N_("Resolve within (working minutes)"),
               "first_callback_minutes": N_("First callback within (working minutes)")}
SLA_NUMBERS = (*SLA_TARGETS, "warn_percent")
MAX_MINUTES = 60 * 24 * 365

RULE_KINDS = {
    "delivery_callback": N_("Delivery callback"), "first_maintenance": N_("First maintenance"),
    "next_maintenance": N_("Next maintenance"), "annual_inspection": N_("Annual inspection"),
    "renewal": N_("Contract renewal"), "insurance_renewal": N_("Insurance renewal"),
    "birthday": N_("Birthday greeting"),
    "vehicle_anniversary": N_("Vehicle anniversary"), "holiday_greeting": N_("Holiday greeting"),
    "complaint_callback": N_("Complaint callback"), "contact_cadence": N_("Regular contact"),
    "lost_customer": N_("Lost customer win-back"), "no_show_follow_up": N_("Missed appointment follow-up"),
    "broadcast": N_("Broadcast notice"), "complaint_escalation": N_("Complaint escalation"),
}
PARAMS = {
    "days": N_("Days after delivery"), "months": N_("Months (after, or between reminders)"), "km": N_("Kilometres"),
    "days_before": N_("Days before it is due"), "every_years": N_("Every how many years"),
    "yearly_after_years": N_("Yearly once the vehicle is this many years old"),
    "months_before": N_("Months before it is due"), "hours": N_("Hours after the complaint is resolved"),
    "hours_before": N_("Hours before the appointment"), "hours_after": N_("Hours after the appointment"),
    "festivals": N_("Festivals"), "customer_kinds": N_("Customer kinds"),
    "tier_days": N_("Days between contacts per tier"),
}
#: The choices a list parameter takes.
PARAM_CHOICES = {
    "festivals": {"new_year": N_("New Year's Day"), "spring_festival": N_("Spring Festival"),
                  "dragon_boat": N_("Dragon Boat Festival"), "mid_autumn": N_("Mid-Autumn Festival"),
                  "national_day": N_("National Day")},
    "customer_kinds": {"prospect": N_("Prospective customers"), "owner": N_("Vehicle owners")},
}
TIERS = {"regular": N_("Regular members"), "silver": N_("Silver card"), "gold": N_("Gold card"),
         "diamond": N_("Diamond card")}
CHANNELS = {"webhook": N_("Webhook"), "email": N_("Email"), "sms": N_("SMS"), "wechat": N_("WeChat")}
#: Kinds of which there is one rule, built in: a new rule is never of these.
SINGLE_KINDS = frozenset({"no_show_follow_up", "broadcast", "complaint_escalation"})
OPT_OUT_PAGE_SIZE = 20
CONTACTS_PAGE_SIZE = 20

VOCABULARY = {"categories": CATEGORIES, "severities": SEVERITIES, "sla_targets": SLA_TARGETS, "kinds": RULE_KINDS,
              "param_names": PARAMS, "param_choices": PARAM_CHOICES, "tiers": TIERS, "channels": CHANNELS,
              "any_code": ANY, "duration": duration, "levels": LEVELS}


def _manager() -> None:
    person = current_person()
    if person is None or not person.can("manage"):
        abort(403)



def _number(text: str | None) -> int | str | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the API says what is wrong with it, beside the field


# -- SLA policies and the complaint workflow's settings -----------------------------------------------------


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
    return {name: _number(form.get(name)) for name in names if (form.get(name) or "").strip()}


@blp.post("/settings/sla")
def create_policy():
    _manager()
    form = request.form
    body = {"category": form.get("category", ""), "severity": form.get("severity", ""),
            **_policy_body(form, SLA_NUMBERS)}
    try:
        api().post("/complaints/sla-policies", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _sla_page(failed={"new": refused}, values={"new": dict(form)}, status=refused.status)
    return redirect(url_for("settings.sla"))


@blp.post("/settings/sla/<policy_id>")
def change_policy(policy_id: str):
    _manager()
    form = request.form
    try:
        api().patch(f"/complaints/sla-policies/{policy_id}", _policy_body(form, SLA_NUMBERS))
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _sla_page(failed={policy_id: refused}, values={policy_id: dict(form)}, status=refused.status)
    return redirect(url_for("settings.sla") + f"#policy-{policy_id}")


@blp.post("/settings/sla/<policy_id>/delete")
def delete_policy(policy_id: str):
    _manager()
    try:
        api().send("DELETE", f"/complaints/sla-policies/{policy_id}")
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _sla_page(failed={policy_id: refused}, status=refused.status)
    return redirect(url_for("settings.sla"))


@blp.post("/settings/complaints")
def change_complaint_settings():
    _manager()
    body = {"survey_required_before_close": request.form.get("survey_required_before_close") == "true"}
    try:
        api().patch("/complaints/settings", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _sla_page(failed={"settings": refused}, status=refused.status)
    return redirect(url_for("settings.sla") + "#complaint-settings")


@blp.post("/settings/escalation-contacts")
def add_contact():
    _manager()
    form = request.form
    body = {name: (form.get(name) or "").strip() for name in ("store_id", "level", "username")}
    try:
        api().post("/complaints/escalation-contacts", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _sla_page(failed={"contact": refused}, values={"contact": dict(form)}, status=refused.status)
    return redirect(url_for("settings.sla") + "#escalation-contacts")


@blp.post("/settings/escalation-contacts/<contact_id>/delete")
def remove_contact(contact_id: str):
    _manager()
    try:
        api().send("DELETE", f"/complaints/escalation-contacts/{contact_id}")
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _sla_page(failed={"contact": refused}, status=refused.status)
    return redirect(url_for("settings.sla") + "#escalation-contacts")


# -- reminder rules -----------------------------------------------------------------------------------------


def param_fields(kind: dict[str, Any] | None, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's fields for a rule of `kind`, built from the kind's parameters: whole numbers as number inputs
    with the kind's bounds, lists of known choices as selects, days per tier as one number per tier."""
    fields = []
    for name, spec in ((kind or {}).get("params") or {}).items():
        value = params.get(name, spec.get("default"))
        field = {"name": name, "label": PARAMS.get(name, name.replace("_", " ")), "type": spec.get("type"),
                 "value": value, "default": spec.get("default"), "minimum": spec.get("minimum"),
                 "maximum": spec.get("maximum")}
        if spec.get("type") == "list":
            known = PARAM_CHOICES.get(name, {})
            field["options"] = [(code, str(known.get(code, code))) for code in
                                dict.fromkeys([*known, *(value or [])])]
        fields.append(field)
    return fields


def _params_from(form, kind: dict[str, Any] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, spec in ((kind or {}).get("params") or {}).items():
        key = f"params.{name}"
        if spec.get("type") == "integer":
            if (form.get(key) or "").strip():
                params[name] = _number(form.get(key))
        elif spec.get("type") == "list":
            params[name] = form.getlist(key)
        elif spec.get("type") == "object" and name == "tier_days":
            params[name] = {tier: _number(form.get(f"{key}.{tier}")) for tier in TIERS
                            if (form.get(f"{key}.{tier}") or "").strip()}
    return params


def _rules_page(*, failed: dict[str, ApiError] | None = None, values: dict[str, dict] | None = None,
                status: int = 200, editing: str | None = None):
    found = api().gather({"rules": lambda a: a.get("/reminders/rules"),
                          "kinds": lambda a: a.get("/reminders/rule-kinds")})
    rules, kinds = found["rules"], found["kinds"]
    kinds_by_code = {} if isinstance(kinds, ApiError) else {k["kind"]: k for k in kinds.get("items", [])}
    rows = []
    if not isinstance(rules, ApiError):
        for rule in rules.get("items", []):
            params = dict(rule.get("params") or {})
            form_values = (values or {}).get(rule["id"])
            if form_values is not None:  # what the person typed, shown again beside the API's messages
                params.update({key.removeprefix("params."): value for key, value in form_values.items()
                               if key.startswith("params.")})
            rows.append({"rule": rule, "fields": param_fields(kinds_by_code.get(rule["kind"]), params)})
    kind_choices = [(code, str(RULE_KINDS.get(code, code))) for code in kinds_by_code if code not in SINGLE_KINDS]
    return render_template("settings/rules.html", rules=rules, rows=rows, kinds_failed=kinds, failed=failed or {},
                           values=values or {}, editing=editing or request.args.get("edit"),
                           kind_choices=kind_choices, **VOCABULARY), status


@blp.get("/settings/rules")
def rules():
    return _rules_page()


def _kind(code: str) -> dict[str, Any] | None:
    kinds = api().get("/reminders/rule-kinds").get("items", [])
    return next((k for k in kinds if k["kind"] == code), None)


@blp.post("/settings/rules/<rule_id>")
def change_rule(rule_id: str):
    _manager()
    form = request.form
    try:
        rule = api().get(f"/reminders/rules/{rule_id}")
        body: dict[str, Any] = {"params": _params_from(form, _kind(rule["kind"])),
                                "channels": form.getlist("channels")}
        if (form.get("name") or "").strip():
            body["name"] = form["name"].strip()
        if (form.get("time_of_day") or "").strip():
            body["time_of_day"] = form["time_of_day"].strip()
        headers = {"If-Match": f'"{form["version"]}"'} if form.get("version") else None
        api().patch(f"/reminders/rules/{rule_id}", body, headers=headers)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _rules_page(failed={rule_id: refused}, values={rule_id: dict(form)}, status=refused.status,
                           editing=rule_id)
    return redirect(url_for("settings.rules") + f"#rule-{rule_id}")


@blp.post("/settings/rules/<rule_id>/switch")
def switch_rule(rule_id: str):
    _manager()
    enabled = request.form.get("enabled") == "true"
    try:
        api().patch(f"/reminders/rules/{rule_id}", {"enabled": enabled})
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _rules_page(failed={rule_id: refused}, status=refused.status)
    return redirect(url_for("settings.rules") + f"#rule-{rule_id}")


@blp.post("/settings/rules/<rule_id>/reset")
def reset_rule(rule_id: str):
    _manager()
    try:
        api().post(f"/reminders/rules/{rule_id}/reset")
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _rules_page(failed={rule_id: refused}, status=refused.status)
    return redirect(url_for("settings.rules") + f"#rule-{rule_id}")


@blp.post("/settings/rules")
def create_rule():
    _manager()
    form = request.form
    try:
        kind = _kind(form.get("kind", ""))
        body = {"id": (form.get("id") or "").strip(), "kind": form.get("kind", ""),
                "name": (form.get("name") or "").strip(), "params": _params_from(form, kind)}
        api().post("/reminders/rules", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _rules_page(failed={"new": refused}, values={"new": dict(form)}, status=refused.status)
    return redirect(url_for("settings.rules") + f"#rule-{body['id']}")


# -- opt-outs -----------------------------------------------------------------------------------------------


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
    _manager()
    form = request.form
    body = {"customer_id": (form.get("customer_id") or "").strip(), "channel": form.get("channel", "")}
    try:
        api().post("/reminders/opt-outs", body)
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _opt_outs_page(failed=refused, values=dict(form), status=refused.status)
    return redirect(url_for("settings.opt_outs"))


@blp.post("/settings/opt-outs/<customer_id>/<channel>/delete")
def remove_opt_out(customer_id: str, channel: str):
    _manager()
    try:
        api().send("DELETE", f"/reminders/opt-outs/{customer_id}/{channel}")
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return _opt_outs_page(failed=refused, status=refused.status)
    return redirect(url_for("settings.opt_outs"))


# -- broadcasts ---------------------------------------------------------------------------------------------


@blp.route("/settings/broadcasts", methods=["GET", "POST"])
def broadcasts():
    values = {"message": request.form.get("message", ""), "store_id": request.form.get("store_id", "")}
    sent, error, status = None, None, 200
    if request.method == "POST":
        _manager()
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
