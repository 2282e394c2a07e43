"""Managers list, change, switch off and add reminder rules; the built-in ones can be reset to their seeds."""
from __future__ import annotations

from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reminder.adapters.clock import now
from reminder.adapters.reminder_rules import RuleRepository, as_dict
from reminder.adapters.reminders import ReminderRepository
from reminder.domain.builtin_rules import SCRIPTS, builtin_rules
from reminder.domain.errors import Conflict, InvalidFields, NotFound
from reminder.domain.messages import LANGUAGES, template_errors
from reminder.domain.reminder_rules import KINDS, UNPLANNED, params_errors
from reminder.service_layer.emit import emit_rule_changed
from reminder.service_layer.planning import replan_everyone
from servicekit import staff

FIELDS = ("name", "enabled", "params", "task", "channels", "time_of_day", "owner", "message", "templates",
          "script")
#: Changes of these fields re-plan every customer.
PLANNING_FIELDS = {"enabled", "params", "task", "time_of_day", "owner"}
Sessions = sessionmaker[Session]


def _row(session: Session, rule_id: str, for_update: bool = False) -> Any:
    row = RuleRepository(session).get_row(rule_id, for_update)
    if row is None:
        raise NotFound("rule", rule_id)
    return row


def _check(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    errors = params_errors(kind, values.get("params", {}))
    if not values.get("task", True) and not values.get("channels"):
        errors["channels"] = ["A rule that makes no task must notify on at least one channel."]
    if errors:
        raise InvalidFields(errors)
    return {**{name: spec.default for name, spec in KINDS[kind].items()}, **values.get("params", {})}


def _check_templates(values: dict[str, Any]) -> None:
    """422 naming the template and its unknown field (or language) when a template given is not one."""
    errors: dict[str, list[str]] = {}
    if values.get("message"):
        if problems := template_errors(values["message"]):
            errors["message"] = problems
    for language, template in (values.get("templates") or {}).items():
        where = f"templates.{language}"
        if language not in LANGUAGES:
            errors[where] = [f"Unknown language {language!r}; languages: {', '.join(LANGUAGES)}."]
        elif template is not None and (problems := template_errors(template)):
            errors[where] = problems
    if errors:
        raise InvalidFields(errors)


def _check_owner(session: Session, owner: str | None) -> None:
    """A rule's tasks reach every store: its owner (None: each customer's own) must be an active user of the
    whole group (or an admin), as the gateway's user events say; a 422 naming `owner` otherwise."""
    staff.check_assignee(session, owner, staff.EVERY_STORE, "owner", InvalidFields.one)


def create(sessions: Sessions, values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Add a rule of a known kind under a new id."""
    if values["kind"] in UNPLANNED:
        raise InvalidFields.one("kind", f"There is one {values['kind']} rule, built in; change it instead.")
    _check_templates(values)
    with unit_of_work(sessions) as session:
        repository = RuleRepository(session)
        if repository.get_row(values["id"]) is not None:
            raise Conflict(f"A rule with id {values['id']} exists; change it, or choose another id.", id=values["id"])
        values = {**values, "params": _check(values["kind"], values)}
        _check_owner(session, values.get("owner"))
        try:
            with session.begin_nested():  # another request may add the same id between the check and here
                repository.add(values, actor, now())
        except IntegrityError:
            raise Conflict(f"A rule with id {values['id']} exists; change it, or choose another id.",
                           id=values["id"]) from None
        if values.get("enabled", True):
            replan_everyone(session, f"rule {values['id']} added")
        rule = as_dict(_row(session, values["id"]))
        emit_rule_changed(session, rule, actor, rule["updated_at"])
        return rule


def _merged(current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`values` with templates and params merged into the rule's current ones: a language given as null (or
    templates: null) goes back to the built-in template."""
    if "templates" in values:
        merged = {**current["templates"], **values["templates"]} if values["templates"] is not None else {}
        values = {**values, "templates": {language: text for language, text in merged.items() if text}}
    if "params" in values:
        values = {**values, "params": {**current["params"], **values["params"]}}
    return values


def _change(session: Session, rule_id: str, values: dict[str, Any], actor: str) -> dict[str, Any]:
    _check_templates(values)
    row = _row(session, rule_id, for_update=True)
    current = as_dict(row)
    values = _merged(current, values)
    values["params"] = _check(row.kind, {**current, **values})
    changed = {name: value for name, value in values.items() if name in FIELDS and value != current[name]}
    if not changed:
        return current
    if changed.get("owner"):
        _check_owner(session, changed["owner"])
    RuleRepository(session).change(rule_id, changed, row.version, actor, now())
    if changed.get("enabled") is False:
        ReminderRepository(session).cancel_scheduled_of_rule(rule_id, now(), f"rule {rule_id} switched off")
    elif row.kind not in UNPLANNED and set(changed) & PLANNING_FIELDS:
        replan_everyone(session, f"rule {rule_id} changed")
    rule = as_dict(_row(session, rule_id))
    emit_rule_changed(session, rule, actor, rule["updated_at"])
    return rule


def change(sessions: Sessions, rule_id: str, values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Change some fields of a rule; switching it off cancels its scheduled reminders at once."""
    with unit_of_work(sessions) as session:
        return _change(session, rule_id, values, actor)


def remove(sessions: Sessions, rule_id: str, actor: str | None = None) -> None:
    """Delete a rule that was added; a built-in one can only be switched off."""
    with unit_of_work(sessions) as session:
        row = _row(session, rule_id, for_update=True)
        if row.builtin:
            raise Conflict(f"Rule {rule_id} is built in: switch it off (enabled: false) or reset it instead.",
                           allowed="PATCH enabled=false, POST …/reset")
        ReminderRepository(session).cancel_scheduled_of_rule(rule_id, now(), f"rule {rule_id} deleted")
        RuleRepository(session).remove(rule_id)
        emit_rule_changed(session, as_dict(row), actor, now(), removed=True)


def reset(sessions: Sessions, rule_id: str, actor: str) -> dict[str, Any]:
    """Put a built-in rule back to its seed defaults."""
    with unit_of_work(sessions) as session:
        row = _row(session, rule_id, for_update=True)
        seed = next((rule for rule in builtin_rules() if rule.id == rule_id), None)
        if seed is None:
            raise Conflict(f"Rule {rule_id} was added, not built in: it has no defaults to reset to.")
        defaults = {"name": seed.name, "enabled": seed.enabled, "params": _check(seed.kind, {
            "params": seed.params, "task": seed.task, "channels": list(seed.channels)}), "task": seed.task,
            "channels": list(seed.channels), "time_of_day": seed.time_of_day.strftime("%H:%M"), "owner": seed.owner,
            "message": seed.message, "templates": None, "script": SCRIPTS.get(rule_id)}
        return _change(session, row.id, defaults, actor)


def listing(sessions: Sessions) -> list[dict[str, Any]]:
    """Every rule, by id."""
    with unit_of_work(sessions) as session:
        return [as_dict(row) for row in RuleRepository(session).rows()]


def get(sessions: Sessions, rule_id: str) -> dict[str, Any]:
    """One rule."""
    with unit_of_work(sessions) as session:
        return as_dict(_row(session, rule_id))
