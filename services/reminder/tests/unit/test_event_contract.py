"""The published examples (docs/events/) and AsyncAPI file agree with the schemas the service emits with."""
import json
from pathlib import Path

import pytest
import yaml
from reminder.events import SCHEMAS, validation_errors
from servicekit.events import parse_event

DOCS = Path(__file__).resolve().parents[4] / "docs"
OURS = [DOCS / "events" / f"{type}.json" for type in sorted(SCHEMAS)]
SPEC = DOCS / "asyncapi" / "reminder.yaml"


def test_every_event_type_has_an_example():
    assert all(path.exists() for path in OURS)


@pytest.mark.parametrize("path", OURS, ids=lambda path: path.stem)
def test_example_data_validates_against_the_producer_schema(path):
    event = parse_event(path.read_text(encoding="utf-8"))
    assert event.type == path.stem and event.source == "/guanxi/reminder"
    assert validation_errors(event.type, event.data) == {}
    # the subject is the reminder (reminder.*), the rule (reminder.rule_changed) or the appointment (appointment.*):
    # one aggregate's events keep order
    key = "rule" if event.type == "reminder.rule_changed.v1" else \
        "reminder_id" if event.type.startswith("reminder.") else "appointment_id"
    assert event.subject == event.data[key]


def test_a_broken_example_would_be_caught():
    data = json.loads((DOCS / "events" / "reminder.completed.v1.json").read_text(encoding="utf-8"))["data"]
    data["status"] = "forgotten"
    del data["outcome"]
    assert set(validation_errors("reminder.completed.v1", data)) == {"status", "outcome"}


def test_asyncapi_lists_every_type_on_crm_events():
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert spec["asyncapi"].startswith("3.")
    assert spec["channels"]["crmEvents"]["address"] == "crm.events"
    messages = spec["components"]["messages"]
    assert {message["name"] for message in messages.values()} == set(SCHEMAS)
    for message in messages.values():
        example = json.loads((DOCS / "events" / f"{message['name']}.json").read_text(encoding="utf-8"))
        assert message["examples"][0]["payload"] == example


@pytest.mark.parametrize("type", sorted(SCHEMAS))
def test_examples_validate_against_the_asyncapi_payload_schemas(type):
    from jsonschema import Draft202012Validator

    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    key = next(key for key, message in spec["components"]["messages"].items() if message["name"] == type)
    validator = Draft202012Validator({"components": spec["components"], "$ref": f"#/components/messages/{key}/payload"})
    example = json.loads((DOCS / "events" / f"{type}.json").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(example)) == []
    broken = {**example, "data": {**example["data"], "customer_id": 42, "status": "forgotten"}}
    assert list(validator.iter_errors(broken))


def test_the_asyncapi_payloads_require_what_the_producer_schemas_require():
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]

    def required(name: str) -> set[str]:
        schema = schemas[name]
        parts = schema.get("allOf", [schema])
        return set().union(*(required(part["$ref"].rsplit("/", 1)[1]) if "$ref" in part else set(part["required"])
                             for part in parts))

    names = {"reminder.due.v1": "Reminder", "reminder.sent.v1": "ReminderSent",
             "reminder.completed.v1": "ReminderCompleted", "appointment.booked.v1": "Appointment",
             "appointment.kept.v1": "AppointmentKept", "appointment.no_show.v1": "AppointmentNoShow",
             "appointment.cancelled.v1": "AppointmentCancelled", "reminder.rule_changed.v1": "ReminderRule"}
    for type, schema in SCHEMAS.items():
        assert required(names[type]) == {name for name, field in schema.fields.items() if field.required}, type
