"""What the API takes and gives about reminders and tasks: the lists, a task's actions, its notifications, KPIs."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.fields import Instant
from webargs.fields import DelimitedList

from reminder.domain.reminder_rules import CHANNELS, KINDS
from reminder.domain.tasks import OUTCOMES
from reminder.entrypoints.api.schemas import Moment, PageArgs, PageOf, VehicleOut
from reminder.events import CALLBACK_CHANNELS, REMINDER_STATUSES, SATISFACTION


class ReminderArgs(PageArgs):
    """Filters of the reminder list (all must match)."""

    customer_id = fields.UUID()
    asset_id = fields.UUID()
    owner = fields.String(validate=validate.Length(min=1, max=100))
    rule = fields.String(validate=validate.Length(min=1, max=60))
    rule_kind = fields.String(validate=validate.OneOf(tuple(KINDS)))
    store_id = fields.String(validate=validate.Length(min=1, max=100))
    status = DelimitedList(fields.String(validate=validate.OneOf(REMINDER_STATUSES)),
                           metadata={"description": "One status or several, comma-separated."})
    due_from = Moment(metadata={"description": "Due at or after this time."})
    due_to = Moment(metadata={"description": "Due before this time."})
    overdue = fields.Boolean(metadata={"description": "Only open tasks due more than a day ago."})


class TaskArgs(PageArgs):
    """Filters of the task list: open tasks (due, claimed, snoozed), soonest first."""

    owner = fields.String(validate=validate.Length(min=1, max=100))
    mine = fields.Boolean(metadata={"description": "Only the caller's own tasks."})
    store_id = fields.String(validate=validate.Length(min=1, max=100))
    rule = fields.String(validate=validate.Length(min=1, max=60))
    customer_id = fields.UUID()
    overdue = fields.Boolean()


class CallbackArgs(Schema):
    """The callback (回访) made in a callback task: the customer service records it as a callback visit."""

    channel = fields.String(required=True, validate=validate.OneOf(CALLBACK_CHANNELS))
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    scores = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=50)),
                         values=fields.Integer(strict=True, validate=validate.Range(min=0, max=10)),
                         validate=validate.Length(max=20), allow_none=True,
                         metadata={"description": "Scores by name, e.g. {\"service\": 9}."})
    outcome = fields.String(allow_none=True, validate=validate.Length(max=500),
                            metadata={"description": "What came of the callback, in words."})


class ReminderOut(Schema):
    """A reminder: its rule, when it is due, its status, and why, in words."""

    id = fields.String(required=True)
    rule = fields.String(required=True)
    rule_kind = fields.String(required=True)
    customer_id = fields.String(required=True)
    asset_id = fields.String(allow_none=True)
    due_at = Instant(required=True)
    status = fields.String(required=True, validate=validate.OneOf(REMINDER_STATUSES))
    task = fields.Boolean(required=True, metadata={"description": "A task for the owner (else notifications only)."})
    owner = fields.String(allow_none=True)
    reason = fields.String(required=True)
    confidence = fields.Float(allow_none=True, metadata={"description": "0–1, for predicted maintenance."})
    overdue = fields.Boolean(required=True)
    created_at = Instant(required=True)
    fired_at = Instant(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    snoozed_until = Instant(allow_none=True)
    completed_at = Instant(allow_none=True)
    completed_by = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    lost_reason = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    complaint_id = fields.String(allow_none=True, metadata={"description": "The complaint an escalation task is "
                                                                           "about."})
    customer_name = fields.String(allow_none=True, metadata={"description": "Whom to call (none once erased)."})
    customer_phone = fields.String(allow_none=True)
    vehicle = fields.Nested(VehicleOut, allow_none=True, metadata={"description": "The vehicle it is about."})
    rule_name = fields.String(allow_none=True)
    reason_text = fields.String(required=True, metadata={
        "description": "Why, in words for the person making the call (Chinese)."})
    days_overdue = fields.Integer(required=True, metadata={
        "description": "Days an open task is past its due day, on the business calendar (CRM_REMINDER_TIMEZONE; 0 when "
                       "due today or later)."})
    script = fields.String(allow_none=True, metadata={"description": "The rule's call script (话术), filled in."})
    visit_id = fields.String(allow_none=True, metadata={"description": "The callback visit that closed the task."})
    callback = fields.Nested(CallbackArgs, allow_none=True, metadata={
        "description": "The callback recorded when the task was completed."})


class ReminderPage(PageOf):
    """A page of reminders."""

    items = fields.List(fields.Nested(ReminderOut), required=True)


class AssignArgs(Schema):
    """Whom to give a task to."""

    assignee = fields.String(required=True, validate=validate.Length(min=1, max=100),
                             metadata={"description": "The username of an active user who works in the customer's "
                                                      "store (or for the whole group)."})


class SnoozeArgs(Schema):
    """Until when to put a task aside."""

    until = Moment(required=True)


class CompleteArgs(Schema):
    """How the task ended."""

    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    lost_reason = fields.String(allow_none=True, validate=validate.Length(max=500),
                                metadata={"description": "Why the customer left (流失原因): required when a "
                                                         "lost-customer win-back ends `lost`."})
    callback = fields.Nested(CallbackArgs, allow_none=True, metadata={
        "description": "For a callback task: its channel and the customer's satisfaction (recorded as a visit)."})


class NotificationOut(Schema):
    """A notification of a reminder: sent, pending (with its next attempt), skipped or failed, and why."""

    id = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf((*CHANNELS, "local")), metadata={
        "description": "local: a staff notification only the local outbox carries (the user's contacts unknown)."})
    status = fields.String(required=True, validate=validate.OneOf(("pending", "sent", "skipped", "failed")))
    target = fields.String(allow_none=True)
    send_at = Instant(allow_none=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = Instant(allow_none=True)
    sent_at = Instant(allow_none=True)
    last_error = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    skip_reason = fields.String(allow_none=True, metadata={"description": "Why it was not sent."})
    local_outbox = fields.Boolean(required=True, metadata={
        "description": "Written to the local outbox (no such channel is configured), not sent."})
    username = fields.String(allow_none=True, metadata={"description": "A staff notification's user (else it is "
                                                                       "to the customer)."})


class NotificationList(Schema):
    """The notifications of one reminder."""

    items = fields.List(fields.Nested(NotificationOut), required=True)


class KpiArgs(Schema):
    """Which tasks count: those due in [from, to), grouped by owner or rule."""

    by = fields.String(load_default="owner", validate=validate.OneOf(("owner", "rule")))
    from_ = Moment(required=True, data_key="from")
    to = Moment(required=True)


class KpiRow(Schema):
    """The figures of one owner or rule."""

    owner = fields.String(allow_none=True)
    rule = fields.String(allow_none=True)
    tasks_due = fields.Integer(required=True)
    tasks_done = fields.Integer(required=True)
    tasks_open = fields.Integer(required=True)
    tasks_overdue = fields.Integer(required=True)
    appointments_booked = fields.Integer(required=True)
    appointments_kept = fields.Integer(required=True)
    appointments_no_show = fields.Integer(required=True)
    booking_rate = fields.Float(allow_none=True, metadata={"description": "appointments booked / tasks due"})
    show_up_rate = fields.Float(allow_none=True, metadata={"description": "appointments kept / booked"})


class KpiList(Schema):
    """KPIs per owner or per rule."""

    items = fields.List(fields.Nested(KpiRow), required=True)
