"""The published examples (docs/events/) and AsyncAPI file agree with the schemas the service emits with."""
import json
from pathlib import Path

import pytest
import yaml
from customer.events import SCHEMAS, validation_errors
from servicekit.events import parse_event

DOCS = Path(__file__).resolve().parents[4] / "docs"
EXAMPLES = sorted((DOCS / "events").glob("*.json"))
OURS = [path for path in EXAMPLES if path.stem in SCHEMAS]


def test_every_event_type_has_an_example():
    assert {path.stem for path in OURS} == set(SCHEMAS)


@pytest.mark.parametrize("path", OURS, ids=lambda path: path.stem)
def test_example_data_validates_against_the_producer_schema(path):
    event = parse_event(path.read_text(encoding="utf-8"))
    assert event.type == path.stem and event.source == "/guanxi/customer"
    assert validation_errors(event.type, event.data) == {}
    # the subject is the customer, so one customer's events keep their order
    assert event.subject == event.data.get("customer_id", event.data.get("survivor_id", event.data.get("id")))


def test_a_broken_example_would_be_caught():
    data = json.loads((DOCS / "events" / "visit.done.v1.json").read_text(encoding="utf-8"))["data"]
    data["visit"]["kind"] = "picnic"
    del data["customer_id"]
    assert set(validation_errors("visit.done.v1", data)) == {"visit", "customer_id"}


def test_asyncapi_lists_every_type_on_crm_events():
    spec = yaml.safe_load((DOCS / "asyncapi" / "customer.yaml").read_text(encoding="utf-8"))
    assert spec["asyncapi"].startswith("3.")
    channel = spec["channels"]["crmEvents"]
    assert channel["address"] == "crm.events"
    messages = spec["components"]["messages"]
    documented = {message["name"] for message in messages.values()}
    assert set(SCHEMAS) <= documented
    for message in messages.values():
        if message["name"] in SCHEMAS:
            example = json.loads((DOCS / "events" / f"{message['name']}.json").read_text(encoding="utf-8"))
            assert message["examples"][0]["payload"]["type"] == example["type"]


def test_examples_validate_against_the_asyncapi_payload_schemas():
    from jsonschema import Draft202012Validator

    spec = yaml.safe_load((DOCS / "asyncapi" / "customer.yaml").read_text(encoding="utf-8"))
    for key, message in spec["components"]["messages"].items():
        if message["name"] not in SCHEMAS:
            continue
        validator = Draft202012Validator({"components": spec["components"],
                                          "$ref": f"#/components/messages/{key}/payload"})
        example = json.loads((DOCS / "events" / f"{message['name']}.json").read_text(encoding="utf-8"))
        assert list(validator.iter_errors(example)) == [], message["name"]
        broken = {**example, "data": {**example["data"], "customer_id": 42, "id": 42, "survivor_id": 42}}
        assert list(validator.iter_errors(broken)), message["name"]
