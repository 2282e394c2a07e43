"""Reminders and tasks: list them, claim, assign, snooze and complete a task, see its notifications, KPIs, opt-outs."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import RAISE
from servicekit.auth import requires
from servicekit.pagination import Blueprint

from reminder.domain.errors import InvalidFields
from reminder.domain.message_templates import FIELDS, LANGUAGES, TEMPLATES
from reminder.entrypoints.api.context import actor, reminder_settings, scope, sessions
from reminder.entrypoints.api.message_schemas import (
    BroadcastArgs,
    BroadcastOut,
    MessageArgs,
    MessageFieldList,
    MessagePage,
    OptOutArgs,
    OptOutList,
    OptOutOut,
    OptOutQuery,
)
from reminder.entrypoints.api.task_schemas import (
    AssignArgs,
    CompleteArgs,
    KpiArgs,
    KpiList,
    NotificationList,
    ReminderArgs,
    ReminderOut,
    ReminderPage,
    SnoozeArgs,
    TaskArgs,
)
from reminder.service_layer import broadcasts, opt_outs, queries, tasks

blp = Blueprint("reminders", __name__, url_prefix="/api/v1/reminders",
                description="Who to contact, when and why: reminders, the tasks they make, and their notifications.")


def _filters(args: dict[str, Any]) -> dict[str, Any]:
    return {name: str(value) if isinstance(value, UUID) else value for name, value in args.items()
            if name not in ("page", "page_size")}


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(ReminderArgs, location="query", unknown=RAISE)
@blp.response(200, ReminderPage)
def listing(args: dict[str, Any]):
    """Reminders by customer, owner, rule, status, store or due range, soonest due first, with the reason."""
    return queries.reminders_page(sessions(), _filters(args), args["page"], args["page_size"], scope=scope(),
                                  zone=reminder_settings().zone)


@blp.route("/tasks", methods=["GET"])
@requires("read")
@blp.arguments(TaskArgs, location="query", unknown=RAISE)
@blp.response(200, ReminderPage)
def task_list(args: dict[str, Any]):
    """Open tasks (due, claimed, snoozed), soonest due first; `mine=true` for the caller's own."""
    filters = _filters(args)
    if filters.pop("mine", False):
        filters["owner"] = actor()
    return queries.reminders_page(sessions(), filters, args["page"], args["page_size"], tasks_only=True,
                                  scope=scope(), zone=reminder_settings().zone)


@blp.route("/messages", methods=["GET"])
@requires("read")
@blp.arguments(MessageArgs, location="query", unknown=RAISE)
@blp.response(200, MessagePage)
def messages(args: dict[str, Any]):
    """The messages that went, newest first, with their text: to customers and to staff, sent through a channel
    or written to the local outbox (where messages go when no channel is configured, as under `make run`);
    by customer, channel, user or time sent."""
    if args.get("from_") and args.get("to") and args["to"] <= args["from_"]:
        raise InvalidFields.one("to", "Must be after from.")
    return queries.messages_page(sessions(), _filters(args), args["page"], args["page_size"], scope=scope())


@blp.route("/message-fields", methods=["GET"])
@requires("read")
@blp.response(200, MessageFieldList)
def message_fields():
    """The fields a rule's message template may name, the languages, and each rule kind's built-in templates."""
    return {"items": [{"name": name, "description": text} for name, text in FIELDS.items()],
            "languages": list(LANGUAGES), "templates": TEMPLATES}


@blp.route("/<uuid:reminder_id>", methods=["GET"])
@requires("read")
@blp.response(200, ReminderOut)
def one(reminder_id: UUID):
    """One reminder."""
    return queries.get_reminder(sessions(), str(reminder_id), scope(), reminder_settings().zone)


@blp.route("/<uuid:reminder_id>/notifications", methods=["GET"])
@requires("read")
@blp.response(200, NotificationList)
def notifications_of(reminder_id: UUID):
    """The reminder's notifications: sent, pending, or why not sent."""
    return {"items": queries.notifications_of(sessions(), str(reminder_id), scope())}


@blp.route("/<uuid:reminder_id>/claim", methods=["POST"])
@requires("write")
@blp.response(200, ReminderOut)
def claim(reminder_id: UUID):
    """Take the task: the caller becomes its owner."""
    return tasks.claim(sessions(), str(reminder_id), actor(), scope(), reminder_settings().zone)


@blp.route("/<uuid:reminder_id>/assign", methods=["POST"])
@requires("manage")
@blp.arguments(AssignArgs)
@blp.response(200, ReminderOut)
def assign(values: dict[str, Any], reminder_id: UUID):
    """Give the task to a colleague, who becomes its owner (managers; the colleague must be an active user who
    works in the customer's store, else a 422 naming `assignee`). A claimed task is due again, for them."""
    return tasks.assign(sessions(), str(reminder_id), values["assignee"], scope(), reminder_settings().zone)


@blp.route("/<uuid:reminder_id>/snooze", methods=["POST"])
@requires("write")
@blp.arguments(SnoozeArgs)
@blp.response(200, ReminderOut)
def snooze(values: dict[str, Any], reminder_id: UUID):
    """Put the task aside until a later time (at most 90 days)."""
    return tasks.snooze(sessions(), str(reminder_id), values["until"], scope(), reminder_settings().zone)


@blp.route("/<uuid:reminder_id>/complete", methods=["POST"])
@requires("write")
@blp.arguments(CompleteArgs)
@blp.response(200, ReminderOut)
def complete(values: dict[str, Any], reminder_id: UUID):
    """Finish the task with its outcome (emits reminder.completed.v1)."""
    return tasks.complete(sessions(), str(reminder_id), values, actor(), reminder_settings(), scope())


@blp.route("/broadcasts", methods=["POST"])
@requires("manage")
@blp.arguments(BroadcastArgs)
@blp.response(201, BroadcastOut)
def broadcast(values: dict[str, Any]):
    """Send a notice (bad weather, a recall, an event) to every customer, or one store's, on the broadcast
    rule's channels; each customer's consent, opt-outs and quiet hours apply, and why one was not reached is kept."""
    return broadcasts.send(sessions(), values["message"], values.get("due_at"), values.get("store_id"), scope())


@blp.route("/kpis", methods=["GET"])
@requires("read")
@blp.arguments(KpiArgs, location="query", unknown=RAISE)
@blp.response(200, KpiList)
def kpis(args: dict[str, Any]):
    """Per owner or rule, for tasks due in [from, to): due, done, open, overdue, booking and show-up rates."""
    if args["to"] <= args["from_"]:
        raise InvalidFields.one("to", "Must be after from.")
    return {"items": queries.kpis(sessions(), args["by"], args["from_"], args["to"], scope())}


@blp.route("/opt-outs", methods=["GET"])
@requires("read")
@blp.arguments(OptOutQuery, location="query", unknown=RAISE)
@blp.response(200, OptOutList)
def opt_out_list(args: dict[str, Any]):
    """Opt-outs, of one customer or all."""
    customer_id = str(args["customer_id"]) if args.get("customer_id") else None
    return {"items": queries.opt_out_list(sessions(), customer_id, scope())}


@blp.route("/opt-outs", methods=["POST"])
@requires("write")
@blp.arguments(OptOutArgs)
@blp.response(201, OptOutOut)
def opt_out(values: dict[str, Any]):
    """Record that a customer wants no messages on a channel (kept once; notifications on it are skipped)."""
    return opt_outs.opt_out(sessions(), str(values["customer_id"]), values["channel"], actor(), scope())


@blp.route("/opt-outs/<uuid:customer_id>/<channel>", methods=["DELETE"])
@requires("write")
@blp.response(204)
def opt_in_again(customer_id: UUID, channel: str):
    """Remove an opt-out."""
    opt_outs.opt_in_again(sessions(), str(customer_id), channel, scope())
