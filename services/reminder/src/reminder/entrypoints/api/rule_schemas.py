"""What the API takes and gives about reminder rules and their kinds."""
from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate
from servicekit.fields import Instant
from servicekit.labels import Label

from reminder.domain.festivals import FESTIVALS
from reminder.domain.reminder_rules import CHANNELS, KINDS
from reminder.entrypoints.api.schemas import CLOCK


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
