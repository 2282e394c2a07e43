"""CloudEvents envelopes: what an integrator reads off the bus."""
import json

import pytest
from servicekit.events import InvalidEvent, correlation_id, new_event, parse_event


def test_new_event_is_a_structured_cloudevent_carrying_the_correlation_id():
    token = correlation_id.set("req-42")
    try:
        event = new_event("customer", "customer.created.v1", "c-1", {"name": "张三"})
    finally:
        correlation_id.reset(token)
    body = json.loads(event.to_json())
    assert body["specversion"] == "1.0"
    assert body["type"] == "customer.created.v1"
    assert body["source"] == "/guanxi/customer"
    assert body["subject"] == "c-1"
    assert body["datacontenttype"] == "application/json"
    assert body["correlationid"] == "req-42"
    assert body["time"].endswith("Z")
    assert "张三" in event.to_json()  # not \\u-escaped


def test_round_trip():
    event = new_event("customer", "visit.done.v1", "c-1", {"kind": "service"})
    assert parse_event(event.to_json()) == event


@pytest.mark.parametrize("type_", ["customer.created", "Customer.Created.v1", "created.v1x"])
def test_unversioned_or_malformed_types_are_refused(type_):
    with pytest.raises(ValueError):
        new_event("customer", type_, "c-1", {})


@pytest.mark.parametrize("body, reason", [
    (b"not json", "not JSON"),
    (b"[1]", "not a JSON object"),
    (b'{"specversion": "1.0"}', "missing attributes"),
    (json.dumps({"specversion": "0.3", "id": "1", "source": "s", "type": "a.b.v1", "time": "t",
                 "subject": "x", "datacontenttype": "application/json", "data": {}}).encode(), "specversion"),
])
def test_invalid_bodies_say_what_is_wrong(body, reason):
    with pytest.raises(InvalidEvent, match=reason):
        parse_event(body)
