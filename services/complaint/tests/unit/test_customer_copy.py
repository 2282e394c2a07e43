"""The customer copy kept from the customer service's events: what filing and listing then see."""
from __future__ import annotations

import uuid

from complaint.adapters.customers import CustomerCopy
from complaint.entrypoints.consumer import QUEUE, apply_customer_event
from servicekit.consumer import apply_once
from servicekit.db import outbox
from servicekit.events import new_event, parse_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context
from sqlalchemy import select

AGENT = auth_headers("agent", "li.si")
VIEWER = auth_headers("viewer", "zhou.view")
MANAGER = auth_headers("manager", "wang.manager")
NOW = "2026-11-22T08:00:00+00:00"


def deliver(app, type, subject, **data):
    event = new_event("customer", type, subject, data)
    return event, apply_once(service_context(app).sessions, QUEUE, event, apply_customer_event)


def outbox_events(app):
    with service_context(app).engine.connect() as connection:
        return [parse_event(body) for body in connection.execute(select(outbox.c.body).order_by(outbox.c.id)).scalars()]


def created(app, **fields):
    customer_id = str(uuid.uuid4())
    fields = {"name": "王芳", **fields}
    deliver(app, "customer.created.v1", customer_id, id=customer_id, version=1, phone="+8613912345678",
            created_at=NOW, updated_at=NOW, unknown_future_field={"x": 1}, **fields)
    return customer_id


def copy_of(app, customer_id):
    with service_context(app).sessions() as session:
        return CustomerCopy(session).get(customer_id)


def complaints_of(client, customer_id):
    return client.get(f"/api/v1/complaints?customer_id={customer_id}", headers=VIEWER).get_json()["items"]


def test_a_customer_created_event_makes_the_customer_known(app, file):
    customer_id = created(app, store_id="store-bj-02", tier="gold", key_customer=True)
    stored = copy_of(app, customer_id)
    assert (stored["name"], stored["store_id"], stored["tier"], stored["key_customer"]) == (
        "王芳", "store-bj-02", "gold", True)
    assert file(customer_id=customer_id)["store_id"] == "store-bj-02"


def test_the_same_event_delivered_twice_applies_once(app):
    customer_id = str(uuid.uuid4())
    event, first = deliver(app, "customer.created.v1", customer_id, id=customer_id, version=1, name="王芳",
                           phone="+8613912345678", updated_at=NOW)
    assert first == "applied"
    assert apply_once(service_context(app).sessions, QUEUE, event, apply_customer_event) == "duplicate"


def test_updates_apply_in_version_order_and_a_late_old_one_changes_nothing(app, file, client):
    customer_id = created(app)
    complaint = file(customer_id=customer_id)
    assert complaint["store_id"] is None
    deliver(app, "customer.updated.v1", customer_id, id=customer_id, version=3, name="王芳芳", store_id="store-gz-03",
            changes={"name": ["王芳", "王芳芳"]}, updated_at=NOW)
    deliver(app, "customer.updated.v1", customer_id, id=customer_id, version=2, name="旧名字",
            changes={"name": ["王芳", "旧名字"]}, updated_at=NOW)
    assert copy_of(app, customer_id)["name"] == "王芳芳"
    # the store learnt later is filled in on the complaints that had none
    assert complaints_of(client, customer_id)[0]["store_id"] == "store-gz-03"


def test_a_merge_moves_complaints_to_the_survivor_and_an_unmerge_moves_them_back(app, file, client):
    survivor, merged = created(app), created(app)
    own = file(customer_id=survivor)
    moved = file(customer_id=merged)
    deliver(app, "customer.merged.v1", survivor, survivor_id=survivor, merged_id=merged, merged_at=NOW,
            undo_until="2026-11-29T08:00:00+00:00")
    assert {c["id"] for c in complaints_of(client, survivor)} == {own["id"], moved["id"]}
    assert complaints_of(client, merged) == []
    refused = client.post("/api/v1/complaints", headers=AGENT, json={
        "customer_id": merged, "channel": "phone", "category": "service", "severity": "minor", "description": "x"})
    assert refused.status_code == 422 and survivor in refused.get_json()["errors"]["customer_id"][0]
    deliver(app, "customer.unmerged.v1", survivor, survivor_id=survivor, restored_id=merged, unmerged_at=NOW)
    assert [c["id"] for c in complaints_of(client, survivor)] == [own["id"]]
    assert [c["id"] for c in complaints_of(client, merged)] == [moved["id"]]
    assert file(customer_id=merged)["customer_id"] == merged


def test_erasure_removes_personal_data_and_keeps_the_anonymous_figures(app, file, client):
    customer_id = created(app)
    complaint = file(customer_id=customer_id, description="王芳 13912345678 说等了三个小时")
    client.post(f"/api/v1/complaints/{complaint['id']}/reject", headers=AGENT, json={"findings": "王芳当天未到店"})
    deliver(app, "customer.erased.v1", customer_id, customer_id=customer_id, erased_at=NOW)
    stored = copy_of(app, customer_id)
    assert stored["name"] is None and stored["phone"] is None and stored["erased_at"] is not None
    after = client.get(f"/api/v1/complaints/{complaint['id']}", headers=VIEWER).get_json()
    assert "王芳" not in after["description"]
    assert (after["category"], after["severity"], after["status"]) == ("service", "normal", "rejected")
    steps = client.get(f"/api/v1/complaints/{complaint['id']}/timeline", headers=VIEWER).get_json()["items"]
    assert "王芳" not in str(steps)
    # nor in the stored events a replay would send again
    stored = outbox_events(app)
    assert [event.type for event in stored] == ["complaint.filed.v1", "complaint.rejected.v1"]
    assert "王芳" not in str([event.data for event in stored])
    assert stored[0].data["description"] == "[erased]" and stored[1].data["severity"] == "normal"
    refused = client.post("/api/v1/complaints", headers=AGENT, json={
        "customer_id": customer_id, "channel": "phone", "category": "service", "severity": "minor",
        "description": "x"})
    assert refused.status_code == 422 and "erased" in refused.get_json()["errors"]["customer_id"][0]
    # a late update does not bring the name back
    deliver(app, "customer.updated.v1", customer_id, id=customer_id, version=9, name="王芳", changes={},
            updated_at=NOW)
    assert copy_of(app, customer_id)["name"] is None


def test_erasing_a_merged_customer_also_erases_the_complaints_the_merge_moved(app, file, client):
    survivor, merged = created(app), created(app)
    moved = file(customer_id=merged, description="王芳说车门异响")
    kept = file(customer_id=survivor, description="幸存客户自己的投诉")
    deliver(app, "customer.merged.v1", survivor, survivor_id=survivor, merged_id=merged, merged_at=NOW,
            undo_until=NOW)
    deliver(app, "customer.erased.v1", merged, customer_id=merged, erased_at=NOW)
    read = {c["id"]: c["description"] for c in complaints_of(client, survivor)}
    assert read == {moved["id"]: "[erased]", kept["id"]: "幸存客户自己的投诉"}


def test_undoing_a_chain_of_merges_brings_each_complaint_home(app, file, client):
    a, b, c = created(app), created(app), created(app)
    of_a, of_b = file(customer_id=a), file(customer_id=b)
    deliver(app, "customer.merged.v1", b, survivor_id=b, merged_id=a, merged_at=NOW, undo_until=NOW)
    deliver(app, "customer.merged.v1", c, survivor_id=c, merged_id=b, merged_at=NOW, undo_until=NOW)
    assert {x["id"] for x in complaints_of(client, c)} == {of_a["id"], of_b["id"]}
    deliver(app, "customer.unmerged.v1", c, survivor_id=c, restored_id=b, unmerged_at=NOW)
    assert {x["id"] for x in complaints_of(client, b)} == {of_a["id"], of_b["id"]}
    deliver(app, "customer.unmerged.v1", b, survivor_id=b, restored_id=a, unmerged_at=NOW)
    assert [x["id"] for x in complaints_of(client, a)] == [of_a["id"]]
    assert [x["id"] for x in complaints_of(client, b)] == [of_b["id"]]
    assert complaints_of(client, c) == []


def test_erasure_forgets_the_answers_kept_for_replays_that_show_the_customers_complaints(app, file, client):
    from servicekit.db import idempotency_keys

    customer_id, other = created(app), created(app, name="李娜")
    body = {"customer_id": customer_id, "channel": "phone", "category": "service", "severity": "normal",
            "description": "王芳 13912345678 说等了三个小时"}
    filed = client.post("/api/v1/complaints", headers={**AGENT, "Idempotency-Key": "file-1"}, json=body).get_json()
    notice = client.post(f"/api/v1/complaints/{filed['id']}/rectifications",
                         headers={**MANAGER, "Idempotency-Key": "rect-1"},
                         json={"department": "after_sales", "required_action": "王芳的车：培训前台"})
    assert notice.status_code == 201 and "customer_id" not in notice.get_json()
    client.post("/api/v1/complaints", headers={**AGENT, "Idempotency-Key": "file-2"},
                json={**body, "customer_id": other, "description": "别人的投诉"})
    deliver(app, "customer.erased.v1", customer_id, customer_id=customer_id, erased_at=NOW)
    with service_context(app).engine.connect() as connection:
        kept = {row.key: row.body.decode() for row in connection.execute(select(idempotency_keys))}
    assert list(kept) == ["file-2"] and "别人的投诉" in kept["file-2"] and "李娜" in kept["file-2"]
    assert "王芳" not in str(kept) and "13912345678" not in str(kept)
