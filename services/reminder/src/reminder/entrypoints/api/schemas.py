"""What the API takes and gives (marshmallow schemas, also the OpenAPI document)."""
from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate
from servicekit.fields import EARLIEST, LATEST, Instant
from servicekit.labels import Label
from servicekit.pagination import MAX_PAGE
from webargs.fields import DelimitedList

from reminder.adapters.clock import utc
from reminder.domain.festivals import FESTIVALS
from reminder.domain.reminder_rules import CHANNELS, KINDS
from reminder.domain.tasks import OUTCOMES
from reminder.events import APPOINTMENT_STATUSES, CALLBACK_CHANNELS, PURPOSES, REMINDER_STATUSES, SATISFACTION

MAX_PAGE_SIZE = 200
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class Moment(Instant):
    """An ISO 8601 time between 1900 and 2199; without an offset it is read as UTC. Loaded in UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        # a far time is left as given for the range check to refuse: moving it to UTC could overflow
        return utc(moment) if EARLIEST <= moment.date() <= LATEST else moment


class PageArgs(Schema):
    """Which page of a listing."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class PageOf(Schema):
    """The envelope of every listing."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)


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


class VehicleOut(Schema):
    """The vehicle (or other asset) a reminder or appointment is about."""

    id = fields.String(required=True)
    plate = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    label = fields.String(allow_none=True, metadata={"description": "The plate, model or description."})


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


class MessageArgs(PageArgs):
    """Filters of the list of sent messages (all must match)."""

    customer_id = fields.UUID()
    channel = fields.String(validate=validate.OneOf((*CHANNELS, "local")))
    username = fields.String(validate=validate.Length(min=1, max=100),
                             metadata={"description": "Staff notifications to this user."})
    local_outbox = fields.Boolean(metadata={"description": "Only those written to the local outbox (or only sent)."})
    from_ = Moment(data_key="from", metadata={"description": "Sent at or after this time."})
    to = Moment(metadata={"description": "Sent before this time."})


class MessageOut(Schema):
    """A message that went: to a customer, or to a member of staff (`username`), with its text."""

    id = fields.String(required=True)
    reminder_id = fields.String(required=True)
    rule = fields.String(allow_none=True)
    customer_id = fields.String(required=True)
    username = fields.String(allow_none=True)
    channel = fields.String(required=True)
    to = fields.String(allow_none=True, metadata={"description": "The phone, e-mail, openid or username."})
    text = fields.String(allow_none=True)
    sent_at = Instant(required=True)
    local_outbox = fields.Boolean(required=True, metadata={
        "description": "true: written to the local outbox (no such channel configured), not sent."})


class MessagePage(PageOf):
    """A page of sent messages, newest first."""

    items = fields.List(fields.Nested(MessageOut), required=True)


class MessageFieldOut(Schema):
    """A field a message template may name."""

    name = fields.String(required=True)
    description = fields.String(required=True)


class MessageFieldList(Schema):
    """The fields of message templates, and the built-in template of each rule kind per language."""

    items = fields.List(fields.Nested(MessageFieldOut), required=True)
    languages = fields.List(fields.String(), required=True)
    templates = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String()),
                            required=True)


class RuleFields(Schema):
    """The fields of a rule a manager sets."""

    name = Label(200)
    enabled = fields.Boolean()
    params = fields.Dict(keys=fields.String(), metadata={
        "description": "Parameters of the rule's kind (GET /api/v1/reminders/rule-kinds); festivals: "
                       + ", ".join(FESTIVALS)})
    task = fields.Boolean(metadata={"description": "Make a task for the owner when it fires."})
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)),
                           validate=validate.Length(max=len(CHANNELS)))
    time_of_day = fields.String(validate=validate.Regexp(CLOCK, error="Use HH:MM (24 hours)."),
                                metadata={"description": "Local time at which date-based reminders fall due."})
    owner = Label(100, allow_none=True, metadata={
        "description": "Whose task; by default the customer's owner. An active user of the whole group (the rule's "
                       "tasks reach every store); otherwise 422."})
    message = fields.String(allow_none=True, validate=validate.Length(max=1000), metadata={
        "description": "The rule's own Chinese (zh-CN) message template, instead of the built-in one; named fields "
                       "such as {customer_name}, {vehicle}, {due_date}, {store_contact} are filled in (GET "
                       "/api/v1/reminders/message-fields); an unknown field is a 422."})
    templates = fields.Dict(keys=fields.String(validate=validate.Length(max=10)),
                            values=fields.String(allow_none=True, validate=validate.Length(max=1000)),
                            allow_none=True, metadata={
        "description": "The rule's own template per language (zh-CN, en), merged into the ones it has; a language "
                       "set to null takes the built-in template again."})
    script = fields.String(allow_none=True, validate=validate.Length(max=4000), metadata={
        "description": "The call script (话术) shown with the rule's tasks; {name}, {plate}, {model} are filled in."})

    @post_load
    def _unique_channels(self, data, **_):
        if "channels" in data:
            data["channels"] = list(dict.fromkeys(data["channels"]))
        return data


class RuleCreate(RuleFields):
    """A new rule of a known kind."""

    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{2,59}$", error=(
        "Use 3 to 60 lower-case letters, digits and underscores, starting with a letter.")))
    kind = fields.String(required=True, validate=validate.OneOf(tuple(KINDS)))
    name = Label(200, required=True)


class RuleOut(Schema):
    """A rule."""

    id = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    params = fields.Dict(required=True)
    task = fields.Boolean(required=True)
    channels = fields.List(fields.String(), required=True)
    time_of_day = fields.String(required=True)
    owner = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    templates = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                            metadata={"description": "The rule's own templates per language (none: built-in)."})
    script = fields.String(allow_none=True)
    builtin = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    created_at = Instant(required=True)
    updated_at = Instant(required=True)
    updated_by = fields.String(allow_none=True)


class RuleList(Schema):
    """Every rule."""

    items = fields.List(fields.Nested(RuleOut), required=True)


class ParamOut(Schema):
    """One parameter of a kind of rule."""

    type = fields.String(required=True, validate=validate.OneOf(("integer", "list", "object")))
    default = fields.Raw(required=True)
    minimum = fields.Integer(allow_none=True)
    maximum = fields.Integer(allow_none=True)


class RuleKindOut(Schema):
    """A kind of rule: the computation a rule runs, and the parameters it takes."""

    kind = fields.String(required=True)
    recurring = fields.Boolean(required=True, metadata={"description": "Comes back (yearly, per festival …)."})
    params = fields.Dict(keys=fields.String(), values=fields.Nested(ParamOut), required=True)


class RuleKindList(Schema):
    """Every kind of rule."""

    items = fields.List(fields.Nested(RuleKindOut), required=True)


class BroadcastArgs(Schema):
    """A notice to many customers (the broadcast rule's channels and template carry it)."""

    message = fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"description": "The notice, e.g. 明日有暴雨，请注意行车安全。"})
    store_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=100),
                             metadata={"description": "Only this store's customers (default: every customer)."})
    due_at = Moment(allow_none=True, metadata={"description": "When to send (default now; quiet hours apply)."})


class BroadcastOut(Schema):
    """How many customers a broadcast reaches, and when."""

    broadcast_id = fields.String(required=True)
    recipients = fields.Integer(required=True)
    due_at = Instant(required=True)
    channels = fields.List(fields.String(), required=True)


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


class OptOutArgs(Schema):
    """A customer who does not want messages on a channel."""

    customer_id = fields.UUID(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))


class OptOutQuery(Schema):
    """Whose opt-outs."""

    customer_id = fields.UUID()


class OptOutOut(Schema):
    """An opt-out."""

    customer_id = fields.String(required=True)
    channel = fields.String(required=True)
    created_at = Instant(required=True)
    created_by = fields.String(required=True)


class OptOutList(Schema):
    """Opt-outs."""

    items = fields.List(fields.Nested(OptOutOut), required=True)


class AppointmentArgs(Schema):
    """Book an appointment (预约)."""

    customer_id = fields.UUID(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    scheduled_at = Moment(required=True)
    asset_id = fields.UUID(allow_none=True)
    reminder_id = fields.UUID(allow_none=True, metadata={"description": "The task that led to it."})


class CancelArgs(Schema):
    """Why an appointment is called off."""

    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class AppointmentQuery(PageArgs):
    """Filters of the appointment list."""

    customer_id = fields.UUID()
    reminder_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(APPOINTMENT_STATUSES))
    purpose = fields.String(validate=validate.OneOf(PURPOSES))
    booked_by = fields.String(validate=validate.Length(min=1, max=100))
    store_id = fields.String(validate=validate.Length(min=1, max=100),
                             metadata={"description": "Only the appointments of this store's customers."})
    from_ = Moment(data_key="from")
    to = Moment()


class AppointmentOut(Schema):
    """An appointment."""

    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    asset_id = fields.String(allow_none=True)
    reminder_id = fields.String(allow_none=True)
    purpose = fields.String(required=True)
    scheduled_at = Instant(required=True)
    booked_by = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(APPOINTMENT_STATUSES))
    visit_id = fields.String(allow_none=True)
    visited_at = Instant(allow_none=True)
    follow_up_reminder_id = fields.String(allow_none=True)
    created_at = Instant(required=True)
    customer_name = fields.String(allow_none=True)
    customer_phone = fields.String(allow_none=True)
    vehicle = fields.Nested(VehicleOut, allow_none=True)


class AppointmentPage(PageOf):
    """A page of appointments."""

    items = fields.List(fields.Nested(AppointmentOut), required=True)
