"""What this service reads of other services' events, checked against their published examples."""
from pathlib import Path

import pytest
from reminder.adapters.consumed_events import SCHEMAS
from reminder.entrypoints.consumer import ARCHIVE_QUEUE, COMPLAINTS_QUEUE
from reminder.entrypoints.subscriptions import QUEUES
from servicekit.events import parse_event

DOCS = Path(__file__).resolve().parents[4] / "docs" / "events"


@pytest.mark.parametrize("type", sorted(SCHEMAS))
def test_the_producers_example_loads_through_our_schema(type):
    path = DOCS / f"{type}.json"
    assert path.exists(), f"the producer publishes no example of {type}"
    event = parse_event(path.read_text(encoding="utf-8"))
    assert SCHEMAS[type].validate(event.data) == {}


def test_what_we_read_is_bound_to_our_queues():
    import fnmatch

    bound = QUEUES[ARCHIVE_QUEUE] + QUEUES[COMPLAINTS_QUEUE]
    for type in SCHEMAS:
        assert any(fnmatch.fnmatch(type, key.replace("#", "*")) for key in bound), type


def test_the_customers_example_carries_the_wechat_fields_we_read():
    event = parse_event((DOCS / "customer.created.v1.json").read_text(encoding="utf-8"))
    assert "wechat_openid" in event.data and "wechat" in event.data["consent"]
    loaded = SCHEMAS["customer.created.v1"].load({**event.data, "wechat_openid": "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
                                                 "consent": {**event.data["consent"], "wechat": True}})
    assert loaded["wechat_openid"] == "oGZUI0egBJY1zhBYw2KhdUfwVJJE" and loaded["consent"]["wechat"] is True
