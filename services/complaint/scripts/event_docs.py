"""Write the complaint service's event examples (docs/events/complaint.*.json) and its AsyncAPI file
(docs/asyncapi/complaint.yaml) from the schemas in complaint.events, so the documents say what the code
emits. Run after changing a schema: `.venv/bin/python services/complaint/scripts/event_docs.py`.
The contract tests check the result against the same schemas.
"""
from __future__ import annotations

import copy
import json
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from complaint import events
from marshmallow import Schema, fields, validate

DOCS = Path(__file__).resolve().parents[3] / "docs"
COMPLAINT_ID = "7d0c6f1e-3b4a-4c8e-9a51-2f6e8d9b0c13"
CUSTOMER_ID = "d67926a5-e7be-4f24-b882-d6c4a2ca614c"

SUMMARIES = {
    events.FILED: ("A complaint was filed.",
                   "POST /api/v1/complaints. A serious or critical one is escalated at once."),
    events.ASSIGNED: ("A department and person are responsible.", "POST …/assign (also a reassignment)."),
    events.ESCALATED: ("The complaint was escalated to a manager level.",
                       "At filing for serious and critical complaints (general_manager), when a correction raises the "
                       "severity to serious or critical, and when an SLA target is breached (one level up). "
                       "`escalated_to` names the person told (escalation contacts of the store, else the group-wide "
                       "default)."),
    events.SLA_WARNED: ("An SLA target is close to its deadline.",
                        "Sent once per target when the remaining working time falls under the policy's warning share."),
    events.SLA_BREACHED: ("An SLA target's deadline passed unmet.",
                          "Sent exactly once per target (and round), followed by complaint.escalated.v1."),
    events.RESOLVED: ("The complaint was resolved.", "POST …/resolve: resolution, remedy cost, responsible party."),
    events.CALLBACK_RECORDED: ("The customer was called back.",
                               "POST …/callbacks; an unsatisfied answer is followed by complaint.reopened.v1."),
    events.REOPENED: ("The complaint went back to assignment.", "An unsatisfied callback, or POST …/reopen."),
    events.CLOSED: ("The loop is closed.", "POST …/close, after enough callbacks and a satisfied answer."),
    events.REJECTED: ("The complaint was not upheld.", "POST …/reject with the findings returned to the customer."),
    events.SURVEY_RECORDED: ("The satisfaction survey of a resolved complaint was recorded.",
                             "POST …/survey: attitude, skill, timeliness, promise kept (four levels each), "
                             "staff rated."),
    events.CORRECTED: ("What the complaint was filed with was corrected.",
                       "PATCH /api/v1/complaints/{id} (with the version corrected and a reason): channel, category, "
                       "subcategory, severity, description. A category or severity correction re-plans the running "
                       "SLA targets; one to serious or critical is followed by complaint.escalated.v1."),
}


def _sla(assigned: bool = True, **met: str) -> dict[str, Any]:
    due = {"acknowledge": "2026-11-23T02:15:00+00:00", "respond": "2026-11-25T03:05:00+00:00" if assigned else None,
           "resolve": "2026-11-27T02:15:00+00:00", "first_callback": None}
    return {target: {"due_at": due[target], "met_at": met.get(target), "breached": False} for target in due}


BASE = {
    "complaint_id": COMPLAINT_ID, "customer_id": CUSTOMER_ID, "store_id": "store-sz-01", "channel": "phone",
    "category": "service", "subcategory": "waiting_time", "severity": "normal", "status": "filed",
    "department": None, "assignee": None, "escalation_level": None, "waiting_on_customer": False,
    "filed_at": "2026-11-20T02:15:00+00:00", "occurred_at": "2026-11-20T02:15:00+00:00", "actor": "li.si",
    "sla": _sla(assigned=False),
}
ACKED = "2026-11-20T02:40:00+00:00"
ASSIGNED_AT = "2026-11-20T03:05:00+00:00"
RESOLVED_AT = "2026-11-24T07:30:00+00:00"
AFTER_RESOLVE = {"status": "resolved", "department": "after_sales", "assignee": "zhao.liu",
                 "sla": {**_sla(acknowledge=ACKED, respond="2026-11-21T01:30:00+00:00", resolve=RESOLVED_AT),
                         "first_callback": {"due_at": "2026-12-01T07:30:00+00:00", "met_at": None, "breached": False}}}
EXAMPLES: dict[str, dict[str, Any]] = {
    events.FILED: {"description": "保养等了三个小时，没有人告知进度，休息区也没有座位。"},
    events.ASSIGNED: {"status": "assigned", "department": "after_sales", "assignee": "zhao.liu",
                      "occurred_at": ASSIGNED_AT, "actor": "wang.manager", "sla": _sla(acknowledge=ACKED)},
    events.ESCALATED: {"severity": "serious", "escalation_level": "general_manager", "level": "general_manager",
                       "reason": "serious complaint: escalated when filed", "target": None,
                       "escalated_to": "sun.gm"},
    events.SLA_WARNED: {"status": "assigned", "department": "after_sales", "assignee": "zhao.liu",
                        "occurred_at": "2026-11-24T07:35:00+00:00", "actor": "sla-scanner",
                        "sla": _sla(acknowledge=ACKED), "target": "respond", "due_at": "2026-11-25T03:05:00+00:00"},
    events.SLA_BREACHED: {"status": "assigned", "department": "after_sales", "assignee": "zhao.liu",
                          "escalation_level": "manager", "occurred_at": "2026-11-25T03:05:30+00:00",
                          "actor": "sla-scanner",
                          "sla": {**_sla(acknowledge=ACKED),
                                  "respond": {"due_at": "2026-11-25T03:05:00+00:00", "met_at": None,
                                              "breached": True}},
                          "target": "respond", "due_at": "2026-11-25T03:05:00+00:00"},
    events.RESOLVED: {**AFTER_RESOLVE, "occurred_at": RESOLVED_AT, "actor": "zhao.liu",
                      "resolution": "致歉并赠送一次免费保养，调整预约排班", "remedy_cost": "680.00",
                      "responsible_party": "after_sales", "working_minutes_to_resolve": 1395},
    events.CALLBACK_RECORDED: {**AFTER_RESOLVE, "status": "callback", "occurred_at": "2026-11-25T02:00:00+00:00",
                               "actor": "chen.callback", "callback_channel": "phone", "satisfaction": "satisfied",
                               "callback_number": 1},
    events.REOPENED: {**AFTER_RESOLVE, "status": "reopened", "occurred_at": "2026-11-25T02:00:00+00:00",
                      "actor": "chen.callback", "reason": "callback 1: the customer is unsatisfied"},
    events.CLOSED: {**AFTER_RESOLVE, "status": "closed", "occurred_at": "2026-11-25T02:10:00+00:00",
                    "actor": "chen.callback", "satisfaction": "satisfied"},
    events.REJECTED: {"status": "rejected", "occurred_at": "2026-11-20T06:00:00+00:00", "actor": "li.si",
                      "sla": _sla(assigned=False, acknowledge=ACKED),
                      "findings": "监控记录显示客户到店后 25 分钟即开始保养，与投诉不符。"},
    events.SURVEY_RECORDED: {**AFTER_RESOLVE, "status": "callback", "occurred_at": "2026-11-25T02:05:00+00:00",
                             "actor": "chen.callback", "attitude": "satisfied", "skill": "very_satisfied",
                             "timeliness": "unsatisfied", "promise_kept": "satisfied", "staff": ["zhao.liu"]},
    events.CORRECTED: {"status": "assigned", "department": "after_sales", "assignee": "zhao.liu",
                       "category": "quality", "subcategory": "repair_quality", "channel": "wechat",
                       "occurred_at": "2026-11-20T06:30:00+00:00", "actor": "wang.manager",
                       "sla": _sla(acknowledge=ACKED),
                       "changes": {"category": ["service", "quality"],
                                   "subcategory": ["waiting_time", "repair_quality"], "channel": ["phone", "wechat"]},
                       "reason": "客户补充说明：问题是保养后异响，属于维修质量，且是通过微信投诉的",
                       "corrected_by": "wang.manager"},
}


def example(type: str, number: int) -> dict[str, Any]:
    """The CloudEvent published for `type`, with fixed ids and times."""
    data = events.event_data(type, _typed({**copy.deepcopy(BASE), **EXAMPLES[type]}))
    return {"specversion": "1.0", "id": f"5b0e1c2d-8f3a-4d6b-9c7e-0a1b2c3d4e{number:02d}",
            "source": "/guanxi/complaint", "type": type, "time": data["occurred_at"].replace("+00:00", "Z"),
            "subject": COMPLAINT_ID, "datacontenttype": "application/json", "correlationid": "3f9c2a7d1e5b4c60",
            "data": data}


def _typed(values: Any, key: str = "") -> Any:
    """The example's values as the service holds them: times as datetimes, money as Decimal."""
    if isinstance(values, dict):
        return {name: _typed(value, name) for name, value in values.items()}
    if isinstance(values, str) and key.endswith("_at"):
        return datetime.fromisoformat(values)
    if key == "remedy_cost":
        return Decimal(values)
    return values


def json_schema(schema: Schema) -> dict[str, Any]:
    """A JSON Schema (2020-12) of a marshmallow schema, for the fields this service uses."""
    properties = {name: _field(field) for name, field in schema.fields.items()}
    required = [name for name, field in schema.fields.items() if field.required]
    return {"type": "object", "required": required, "properties": properties}


def _field(field: fields.Field) -> dict[str, Any]:
    if isinstance(field, fields.Raw) and type(field) is fields.Raw:
        return {}  # any JSON value
    out = _shape(field)
    for validator in getattr(field, "validators", []):
        if isinstance(validator, validate.OneOf):
            out["enum"] = list(validator.choices)
    if field.metadata.get("description"):
        out["description"] = field.metadata["description"]
    if field.allow_none:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _shape(field: fields.Field) -> dict[str, Any]:
    """The JSON Schema of the field's values, before its choices, description and None."""
    if isinstance(field, fields.Nested):
        return json_schema(field.schema)
    if isinstance(field, fields.Dict):
        out = {"type": "object", "additionalProperties": _field(field.value_field) if field.value_field else {}}
        if field.key_field is not None:
            out["propertyNames"] = _field(field.key_field)
        return out
    if isinstance(field, fields.List):
        out = {"type": "array", "items": _field(field.inner)}
        for validator in field.validators:
            if isinstance(validator, validate.Length) and validator.equal is not None:
                out["minItems"] = out["maxItems"] = validator.equal
        return out
    for kind, shape in _SHAPES:
        if isinstance(field, kind):
            return dict(shape)
    return {"type": "string"}


#: The JSON Schema of a plain field's values, by its marshmallow class (the first that fits).
_SHAPES: tuple[tuple[type, dict[str, Any]], ...] = (
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Decimal, {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Integer, {"type": "integer"}),
)


def _camel(type: str) -> str:
    head, *rest = type.removesuffix(".v1").replace(".", "_").split("_")
    return head + "".join(part.title() for part in rest)


def asyncapi(examples: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every type."""
    messages, operations, schemas = {}, {}, {}
    schemas["CloudEvent"] = {
        "type": "object", "description": "CloudEvents 1.0, structured mode (PRODUCT.md 3.2).",
        "required": ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {"type": "string", "format": "uuid", "description": "Unique; also the AMQP message_id."},
            "source": {"type": "string", "const": "/guanxi/complaint"},
            "type": {"type": "string", "description": "= the routing key."},
            "time": {"type": "string", "format": "date-time"},
            "subject": {"type": "string", "format": "uuid", "description": "The complaint id."},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "correlationid": {"type": ["string", "null"],
                              "description": "The X-Request-ID of the request that caused the event."},
            "data": {"type": "object"}}}
    for type, schema in events.SCHEMAS.items():
        key, (summary, description) = _camel(type), SUMMARIES[type]
        schema_name = type.split(".")[1].title().replace("_", "") + "Data"
        schemas[schema_name] = json_schema(schema)
        messages[key] = {
            "name": type, "title": type, "summary": summary, "description": description,
            "contentType": "application/cloudevents+json",
            "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": type, "bindingVersion": "0.3.0"}},
            "payload": {"allOf": [{"$ref": "#/components/schemas/CloudEvent"},
                                  {"type": "object", "properties": {
                                      "type": {"const": type},
                                      "data": {"$ref": f"#/components/schemas/{schema_name}"}}}]},
            "examples": [{"name": type, "payload": examples[type]}]}
        operations["publish" + key[0].upper() + key[1:]] = {
            "action": "send", "channel": {"$ref": "#/channels/crmEvents"},
            "summary": f"Publish {type} (routing key {type}).",
            "messages": [{"$ref": f"#/channels/crmEvents/messages/{key}"}],
            "bindings": {"amqp": {"cc": [type], "deliveryMode": 2, "mandatory": False, "timestamp": False,
                                  "bindingVersion": "0.3.0"}}}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Guanxi complaint service events", "version": "1.0.0",
                 "description": "Events the complaint service publishes on the crm.events topic exchange. Routing key "
                                "= event type with its version. Bodies are CloudEvents 1.0 in structured mode, "
                                "persistent and publisher-confirmed, from a transactional outbox (at least once: "
                                "dedupe on the CloudEvent id). Subject = the complaint id. See "
                                "docs/events/complaint.md."},
        "defaultContentType": "application/cloudevents+json",
        "servers": {"rabbitmq": {"host": "localhost:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
                                 "description": "RabbitMQ (CRM_BROKER_URL)."}},
        "channels": {"crmEvents": {
            "address": "crm.events", "title": "crm.events",
            "description": "The one durable topic exchange. Bind your own queue, e.g. to 'complaint.#'.",
            "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in messages},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": "crm.events", "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"},
                "bindingVersion": "0.3.0"}}}},
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def main() -> None:
    """Write every example and the AsyncAPI file."""
    examples = {type: example(type, number) for number, type in enumerate(events.SCHEMAS, start=1)}
    for type, body in examples.items():
        (DOCS / "events" / f"{type}.json").write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n",
                                                      encoding="utf-8")
    header = "# AsyncAPI 3.0 description of the events the complaint service publishes (examples: docs/events/).\n"
    header += "# Written by services/complaint/scripts/event_docs.py from complaint.events.\n"
    text = yaml.safe_dump(asyncapi(examples), allow_unicode=True, sort_keys=False, width=120)
    (DOCS / "asyncapi" / "complaint.yaml").write_text(header + text, encoding="utf-8")
    print(f"wrote {len(examples)} examples and asyncapi/complaint.yaml", file=sys.stderr)


if __name__ == "__main__":
    main()
