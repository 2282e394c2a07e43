"""The published examples (docs/events/) and AsyncAPI file agree with the schemas the service emits with."""
import json
from pathlib import Path

import pytest
import yaml
from complaint.events import SCHEMAS, validation_errors
from jsonschema import Draft202012Validator
from servicekit.events import parse_event

DOCS = Path(__file__).resolve().parents[4] / "docs"
OURS = [path for path in sorted((DOCS / "events").glob("complaint.*.json"))]
COMMON = ("complaint_id", "customer_id", "store_id", "channel", "category", "severity", "status", "department",
          "assignee", "filed_at", "occurred_at", "actor", "sla")


def _asyncapi() -> dict:
    return yaml.safe_load((DOCS / "asyncapi" / "complaint.yaml").read_text(encoding="utf-8"))


def test_every_event_type_has_an_example_and_no_example_lacks_a_type():
    assert {path.stem for path in OURS} == set(SCHEMAS)


@pytest.mark.parametrize("path", OURS, ids=lambda path: path.stem)
def test_example_data_validates_against_the_producer_schema(path):
    event = parse_event(path.read_text(encoding="utf-8"))
    assert event.type == path.stem and event.source == "/guanxi/complaint"
    assert validation_errors(event.type, event.data) == {}
    # the subject is the complaint, so one complaint's events keep their order
    assert event.subject == event.data["complaint_id"]
    assert all(name in event.data for name in COMMON)
    assert set(event.data["sla"]) == {"acknowledge", "respond", "resolve", "first_callback"}


def test_every_schema_requires_the_common_fields():
    for type, schema in SCHEMAS.items():
        assert {name for name in COMMON if schema.fields[name].required} == set(COMMON), type


def test_a_broken_example_would_be_caught():
    data = json.loads((DOCS / "events" / "complaint.resolved.v1.json").read_text(encoding="utf-8"))["data"]
    data["severity"] = "apocalyptic"
    del data["remedy_cost"]
    data["sla"]["resolve"]["breached"] = "perhaps"
    assert set(validation_errors("complaint.resolved.v1", data)) == {"severity", "remedy_cost", "sla"}


def test_asyncapi_lists_every_type_on_crm_events_with_its_example():
    spec = _asyncapi()
    assert spec["asyncapi"].startswith("3.")
    assert spec["channels"]["crmEvents"]["address"] == "crm.events"
    messages = spec["components"]["messages"]
    assert {message["name"] for message in messages.values()} == set(SCHEMAS)
    for message in messages.values():
        example = json.loads((DOCS / "events" / f"{message['name']}.json").read_text(encoding="utf-8"))
        assert message["examples"][0]["payload"] == example


def test_examples_validate_against_the_asyncapi_payload_schemas_and_broken_ones_do_not():
    spec = _asyncapi()
    for key, message in spec["components"]["messages"].items():
        validator = Draft202012Validator({"components": spec["components"],
                                          "$ref": f"#/components/messages/{key}/payload"})
        example = json.loads((DOCS / "events" / f"{message['name']}.json").read_text(encoding="utf-8"))
        assert list(validator.iter_errors(example)) == [], message["name"]
        broken = {**example, "data": {**example["data"], "complaint_id": 42, "status": "lost"}}
        assert len(list(validator.iter_errors(broken))) >= 2, message["name"]
