"""Reminder rules as data: managers list, add, change, switch off, reset and delete them."""
from __future__ import annotations

from typing import Any

from servicekit.auth import requires, requires_group_wide
from servicekit.pagination import Blueprint

from reminder.domain.reminder_rules import KINDS, RECURRING
from reminder.entrypoints.api.context import actor, sessions
from reminder.entrypoints.api.rule_schemas import RuleCreate, RuleFields, RuleKindList, RuleList, RuleOut
from reminder.service_layer import reminder_rules as rules

blp = Blueprint("rules", __name__, url_prefix="/api/v1/reminders/rules",
                description="The rules that make reminders: built in with the seeds' defaults, or added.")
kinds_blp = Blueprint("rule_kinds", __name__, url_prefix="/api/v1/reminders/rule-kinds",
                      description="The kinds of rule there are, and the parameters each takes.")
RULE_ID = "<string(maxlength=60):rule_id>"
TYPE_NAMES = {int: "integer", list: "list", dict: "object"}


@kinds_blp.route("", methods=["GET"])
@requires("read")
@kinds_blp.response(200, RuleKindList)
def kinds():
    """Every kind of rule with its parameters, their defaults and bounds (for adding a rule)."""
    return {"items": [{"kind": kind, "recurring": kind in RECURRING, "params": {
        name: {"type": TYPE_NAMES[param.type], "default": param.default,
               "minimum": param.minimum if param.type is int else None,
               "maximum": param.maximum if param.type is int else None}
        for name, param in params.items()}} for kind, params in KINDS.items()]}


@blp.route("", methods=["GET"])
@requires("read")
@blp.response(200, RuleList)
def listing():
    """Every rule with its kind, parameters, channels and whether it is on."""
    return {"items": rules.listing(sessions())}


@blp.route("", methods=["POST"])
@requires("manage")
@requires_group_wide
@blp.arguments(RuleCreate)
@blp.response(201, RuleOut)
def create(values: dict[str, Any]):
    """Add a rule of a known kind (e.g. a second delivery callback after 7 days); customers are re-planned."""
    return rules.create(sessions(), values, actor())


@blp.route(f"/{RULE_ID}", methods=["GET"])
@requires("read")
@blp.response(200, RuleOut)
def one(rule_id: str):
    """One rule."""
    return rules.get(sessions(), rule_id)


@blp.route(f"/{RULE_ID}", methods=["PATCH"])
@requires("manage")
@requires_group_wide
@blp.arguments(RuleFields)
@blp.response(200, RuleOut)
def change(values: dict[str, Any], rule_id: str):
    """Change a rule (params are merged); switching it off cancels its scheduled reminders."""
    return rules.change(sessions(), rule_id, values, actor())


@blp.route(f"/{RULE_ID}", methods=["DELETE"])
@requires("manage")
@requires_group_wide
@blp.response(204)
def remove(rule_id: str):
    """Delete an added rule (a built-in one is switched off instead: 409)."""
    rules.remove(sessions(), rule_id, actor())


@blp.route(f"/{RULE_ID}/reset", methods=["POST"])
@requires("manage")
@requires_group_wide
@blp.response(200, RuleOut)
def reset(rule_id: str):
    """Put a built-in rule back to its seed defaults."""
    return rules.reset(sessions(), rule_id, actor())
