"""Reminder rules as data: managers list, add, change, switch off, reset and delete them."""
from __future__ import annotations

from typing import Any

from servicekit.auth import requires
from servicekit.db import unit_of_work
from servicekit.pagination import Blueprint

from reminder.entrypoints.api.context import actor, sessions
from reminder.entrypoints.api.schemas import RuleCreate, RuleFields, RuleList, RuleOut
from reminder.service_layer import rules

blp = Blueprint("rules", __name__, url_prefix="/api/v1/reminders/rules",
                description="The rules that make reminders: built in with the seeds' defaults, or added.")
RULE_ID = "<string(maxlength=60):rule_id>"


@blp.route("", methods=["GET"])
@requires("read")
@blp.response(200, RuleList)
def listing():
    """Every rule with its kind, parameters, channels and whether it is on."""
    with unit_of_work(sessions()) as session:
        return {"items": rules.listing(session)}


@blp.route("", methods=["POST"])
@requires("manage")
@blp.arguments(RuleCreate)
@blp.response(201, RuleOut)
def create(values: dict[str, Any]):
    """Add a rule of a known kind (e.g. a second delivery callback after 7 days); customers are re-planned."""
    with unit_of_work(sessions()) as session:
        return rules.create(session, values, actor())


@blp.route(f"/{RULE_ID}", methods=["GET"])
@requires("read")
@blp.response(200, RuleOut)
def one(rule_id: str):
    """One rule."""
    with unit_of_work(sessions()) as session:
        return rules.get(session, rule_id)


@blp.route(f"/{RULE_ID}", methods=["PATCH"])
@requires("manage")
@blp.arguments(RuleFields)
@blp.response(200, RuleOut)
def change(values: dict[str, Any], rule_id: str):
    """Change a rule (params are merged); switching it off cancels its scheduled reminders."""
    with unit_of_work(sessions()) as session:
        return rules.change(session, rule_id, values, actor())


@blp.route(f"/{RULE_ID}", methods=["DELETE"])
@requires("manage")
@blp.response(204)
def remove(rule_id: str):
    """Delete an added rule (a built-in one is switched off instead: 409)."""
    with unit_of_work(sessions()) as session:
        rules.remove(session, rule_id)


@blp.route(f"/{RULE_ID}/reset", methods=["POST"])
@requires("manage")
@blp.response(200, RuleOut)
def reset(rule_id: str):
    """Put a built-in rule back to its seed defaults."""
    with unit_of_work(sessions()) as session:
        return rules.reset(session, rule_id, actor())
