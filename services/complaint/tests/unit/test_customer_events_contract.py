"""This service reads the customer service's published examples (docs/events/customer.*.json) as it
reads the real events: the consumer side of the contract."""
from __future__ import annotations

from pathlib import Path

import pytest
from complaint.adapters.customers import CustomerCopy
from complaint.entrypoints.consumer import QUEUE, apply_customer_event
from complaint.entrypoints.subscriptions import QUEUES
from servicekit.consumer import apply_once
from servicekit.events import parse_event
from servicekit.webapp import service_context

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "events"


def example(type: str):
    return parse_event((EXAMPLES / f"{type}.json").read_text(encoding="utf-8"))


def test_the_queue_is_bound_to_every_type_the_handler_reads():
    assert set(QUEUES[QUEUE]) == {f"customer.{kind}.v1" for kind in
                                  ("created", "updated", "merged", "unmerged", "erased", "tier_changed")}


@pytest.mark.parametrize("type", [f"customer.{kind}.v1" for kind in
                                  ("created", "updated", "merged", "unmerged", "erased", "tier_changed")])
def test_every_published_example_applies(app, type):
    sessions = service_context(app).sessions
    assert apply_once(sessions, QUEUE, example("customer.created.v1"), apply_customer_event) == "applied"
    if type != "customer.created.v1":
        assert apply_once(sessions, QUEUE, example(type), apply_customer_event) == "applied"


def test_the_examples_keep_the_copy_a_subscriber_needs(app):
    sessions = service_context(app).sessions
    created = example("customer.created.v1")
    for type in ("customer.created.v1", "customer.tier_changed.v1"):
        apply_once(sessions, QUEUE, example(type), apply_customer_event)
    with sessions() as session:
        copy = CustomerCopy(session).get(created.subject)
    assert copy["name"] == created.data["name"] and copy["store_id"] == created.data["store_id"]
    assert copy["tier"] == example("customer.tier_changed.v1").data["to_tier"]
    apply_once(sessions, QUEUE, example("customer.erased.v1"), apply_customer_event)
    with sessions() as session:
        erased = CustomerCopy(session).get(created.subject)
    assert erased["name"] is None and erased["phone"] is None and erased["erased_at"] is not None
