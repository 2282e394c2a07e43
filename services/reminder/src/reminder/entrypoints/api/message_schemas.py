"""What the API takes and gives about messages: those that went, the template fields, notices to many
customers (broadcasts), opt-outs."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from servicekit.fields import Instant

from reminder.domain.reminder_rules import CHANNELS
from reminder.entrypoints.api.schemas import Moment, PageArgs, PageOf


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
