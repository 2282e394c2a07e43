"""Reminder rules (提醒规则), each edited with a form built from its kind's parameters, their defaults and
bounds."""
from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from console.api import ApiError, api
from console.views.forms import written
from console.views.settings.common import (
    PARAM_CHOICES,
    PARAMS,
    RULE_KINDS,
    SINGLE_KINDS,
    TIERS,
    VOCABULARY,
    blp,
    manager,
    number,
)


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
                params[name] = number(form.get(key))
        elif spec.get("type") == "list":
            params[name] = form.getlist(key)
        elif spec.get("type") == "object" and name == "tier_days":
            params[name] = {tier: number(form.get(f"{key}.{tier}")) for tier in TIERS
                            if (form.get(f"{key}.{tier}") or "").strip()}
    return params


def _shown_params(rule: dict[str, Any], values: dict[str, dict] | None) -> dict[str, Any]:
    """A rule's parameters as its form shows them: what the person typed, when the API refused it (shown again
    beside the API's messages), else the rule's own."""
    params = dict(rule.get("params") or {})
    form_values = (values or {}).get(rule["id"])
    if form_values is not None:
        params.update({key.removeprefix("params."): value for key, value in form_values.items()
                       if key.startswith("params.")})
    return params


def _rules_page(*, failed: dict[str, ApiError] | None = None, values: dict[str, dict] | None = None,
                status: int = 200, editing: str | None = None):
    found = api().gather({"rules": lambda a: a.get("/reminders/rules"),
                          "kinds": lambda a: a.get("/reminders/rule-kinds")})
    rules, kinds = found["rules"], found["kinds"]
    kinds_by_code = {} if isinstance(kinds, ApiError) else {k["kind"]: k for k in kinds.get("items", [])}
    rows = [] if isinstance(rules, ApiError) else [
        {"rule": rule, "fields": param_fields(kinds_by_code.get(rule["kind"]), _shown_params(rule, values))}
        for rule in rules.get("items", [])]
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
    manager()
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
    manager()
    enabled = request.form.get("enabled") == "true"
    return written(lambda: api().patch(f"/reminders/rules/{rule_id}", {"enabled": enabled}),
                   url_for("settings.rules") + f"#rule-{rule_id}",
                   lambda refused: _rules_page(failed={rule_id: refused}, status=refused.status))


@blp.post("/settings/rules/<rule_id>/reset")
def reset_rule(rule_id: str):
    manager()
    return written(lambda: api().post(f"/reminders/rules/{rule_id}/reset"),
                   url_for("settings.rules") + f"#rule-{rule_id}",
                   lambda refused: _rules_page(failed={rule_id: refused}, status=refused.status))


@blp.post("/settings/rules")
def create_rule():
    manager()
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
