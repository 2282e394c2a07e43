"""The public contract of the events this service publishes: one marshmallow schema per `data`.

Every event is dumped and checked against its schema before it enters the outbox, and the examples
in docs/events/ are checked against the same schemas (tests/unit/test_event_contract.py).
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.contracts import EventContract

REMINDER_DUE = "reminder.due.v1"
REMINDER_SENT = "reminder.sent.v1"
REMINDER_COMPLETED = "reminder.completed.v1"
APPOINTMENT_BOOKED = "appointment.booked.v1"
APPOINTMENT_KEPT = "appointment.kept.v1"
APPOINTMENT_NO_SHOW = "appointment.no_show.v1"
APPOINTMENT_CANCELLED = "appointment.cancelled.v1"
REMINDER_RULE_CHANGED = "reminder.rule_changed.v1"

#: Where a reminder is in its life (see docs/events/reminder.md).
REMINDER_STATUSES = ("scheduled", "due", "claimed", "snoozed", "sent", "done", "cancelled")
CHANNELS = ("webhook", "email", "sms", "wechat")
APPOINTMENT_STATUSES = ("booked", "kept", "no_show", "cancelled")
#: A callback's channel and the customer's satisfaction, as the customer service's callback visits have them.
CALLBACK_CHANNELS = ("phone", "sms", "questionnaire", "face_to_face", "wechat")
SATISFACTION = ("very_unsatisfied", "unsatisfied", "neutral", "satisfied", "very_satisfied")
#: What an appointment is for; each matches the visit kinds that keep it (reminder.domain.appointments).
PURPOSES = ("maintenance", "repair", "inspection", "renewal", "test_drive", "delivery", "consultation")


class ReminderData(Schema):
    """A reminder as `reminder.due.v1` carries it (the other reminder events add to it)."""

    reminder_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    asset_id = fields.String(required=True, allow_none=True)
    rule = fields.String(required=True)
    rule_kind = fields.String(required=True)
    due_at = fields.DateTime(required=True)
    owner = fields.String(required=True, allow_none=True)
    store_id = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(REMINDER_STATUSES))


class ReminderSentData(ReminderData):
    """`reminder.sent.v1`: a notification reached the channel."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    notification_id = fields.String(required=True)
    sent_at = fields.DateTime(required=True)
    local_outbox = fields.Boolean(metadata={"description": "true: no such channel is configured here; the message "
                                                           "was written to the local outbox, not sent"})


class CallbackData(Schema):
    """The callback (回访) made in a callback task: the customer service records it as a callback visit."""

    channel = fields.String(required=True, validate=validate.OneOf(CALLBACK_CHANNELS))
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    scores = fields.Dict(keys=fields.String(), values=fields.Integer())
    outcome = fields.String()


class ReminderCompletedData(ReminderData):
    """`reminder.completed.v1`: the owner finished the task, with its outcome; a callback task completed with the
    customer's satisfaction carries `callback`; one closed by a callback visit carries the visit's id."""

    outcome = fields.String(required=True)
    completed_by = fields.String(required=True)
    completed_at = fields.DateTime(required=True)
    lost_reason = fields.String(required=True, allow_none=True)
    notes = fields.String(required=True, allow_none=True)
    callback = fields.Nested(CallbackData, allow_none=True)
    visit_id = fields.String(allow_none=True)


class AppointmentData(Schema):
    """An appointment (预约) as `appointment.booked.v1` carries it."""

    appointment_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    asset_id = fields.String(required=True, allow_none=True)
    reminder_id = fields.String(required=True, allow_none=True)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    scheduled_at = fields.DateTime(required=True)
    booked_by = fields.String(required=True)
    store_id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(APPOINTMENT_STATUSES))


class AppointmentKeptData(AppointmentData):
    """`appointment.kept.v1`: a visit of the matching purpose came within the window."""

    visit_id = fields.String(required=True)
    visited_at = fields.DateTime(required=True)


class AppointmentNoShowData(AppointmentData):
    """`appointment.no_show.v1`: the window passed without a matching visit; a follow-up task is due."""

    follow_up_reminder_id = fields.String(required=True, allow_none=True)


class AppointmentCancelledData(AppointmentData):
    """`appointment.cancelled.v1`: called off before it was due (it counts neither as kept nor as missed)."""

    cancelled_by = fields.String(required=True)
    reason = fields.String(required=True, allow_none=True)


class RuleChangedData(Schema):
    """`reminder.rule_changed.v1`: a manager added, changed, reset or deleted a reminder rule (subject: the rule
    id); the rule as it now stands, so that other services read a business rule (first maintenance after 3
    months or 3,000 km) from here instead of keeping a copy of its figures."""

    rule = fields.String(required=True)
    rule_kind = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    params = fields.Dict(keys=fields.String(), required=True)
    removed = fields.Boolean(required=True, metadata={"description": "true: the rule was deleted"})
    changed_by = fields.String(required=True, allow_none=True)
    changed_at = fields.DateTime(required=True)


#: The schema of each event type's `data`.
SCHEMAS: dict[str, Schema] = {
    REMINDER_DUE: ReminderData(),
    REMINDER_SENT: ReminderSentData(),
    REMINDER_COMPLETED: ReminderCompletedData(),
    APPOINTMENT_BOOKED: AppointmentData(),
    APPOINTMENT_KEPT: AppointmentKeptData(),
    APPOINTMENT_NO_SHOW: AppointmentNoShowData(),
    APPOINTMENT_CANCELLED: AppointmentCancelledData(),
    REMINDER_RULE_CHANGED: RuleChangedData(),
}

CONTRACT = EventContract("reminder", SCHEMAS)
validation_errors = CONTRACT.validation_errors
event_data = CONTRACT.event_data
