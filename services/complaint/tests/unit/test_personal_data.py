"""GET /api/v1/complaints/privacy/customers/<id>/personal-data: everything this service holds on a person."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from complaint.adapters.complaints import ComplaintRepository
from complaint.entrypoints.consumer import QUEUE, apply_customer_event
from servicekit.consumer import apply_once
from servicekit.db import unit_of_work
from servicekit.events import new_event
from servicekit.testing import auth_headers
from servicekit.webapp import service_context

ADMIN = auth_headers("admin", "root")
MANAGER = auth_headers("manager", "wang.manager")
NOW = datetime.now(UTC).isoformat()


def deliver(app, type, subject, **data):
    apply_once(service_context(app).sessions, QUEUE, new_event("customer", type, subject, data), apply_customer_event)


def export(client, customer_id, headers=MANAGER, **query):
    return client.get(f"/api/v1/complaints/privacy/customers/{customer_id}/personal-data", headers=headers,
                      query_string=query)


def test_the_export_holds_the_customer_copy_and_each_complaint_with_its_timeline_and_callbacks(app, client,
                                                                                                known_customer, file):
    customer_id = known_customer(store_id="sh01")
    complaint = file(customer_id=customer_id, description="保养时车漆被刮花")
    other = file()  # someone else's
    assert client.post(f"/api/v1/complaints/{complaint['id']}/acknowledge", headers=MANAGER).status_code == 200
    with unit_of_work(service_context(app).sessions) as session:
        ComplaintRepository(session).add_callback(complaint["id"], 1, 1, {"channel": "phone", "satisfaction":
                                                  "unsatisfied", "comment": "还是不满意"}, "li.si", datetime.now(UTC))
    response = export(client, customer_id)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert document["service"] == "complaint" and document["customer_id"] == customer_id
    assert document["customer"]["name"] == "张伟" and document["customer"]["phone"] == "+8613900000000"
    assert [held["id"] for held in document["complaints"]] == [complaint["id"]]
    held = document["complaints"][0]
    assert held["description"] == "保养时车漆被刮花" and held["status"] == "acknowledged"
    assert [step["action"] for step in held["timeline"]] == ["file", "acknowledge"]
    assert held["callbacks"][0]["comment"] == "还是不满意" and held["surveys"] == []
    assert other["id"] not in response.text


def test_only_roles_that_may_export_personal_data_get_it(client, known_customer):
    customer_id = known_customer()
    for role in ("agent", "viewer", "integration"):
        assert export(client, customer_id, auth_headers(role, "someone")).status_code == 403
    assert export(client, customer_id, ADMIN).status_code == 200
    assert client.get(f"/api/v1/complaints/privacy/customers/{customer_id}/personal-data").status_code == 401


def test_a_customer_of_another_store_is_refused_to_a_store_tied_manager(client, known_customer, file):
    theirs = known_customer(store_id="bj01")
    file(customer_id=theirs, description="北京的投诉")
    refused = export(client, theirs, auth_headers("manager", "sh.manager", stores=("sh01",)))
    assert refused.status_code == 403 and "北京的投诉" not in refused.text
    assert export(client, known_customer(store_id="sh01"),
                  auth_headers("manager", "sh.manager", stores=("sh01",))).status_code == 200


def test_an_unknown_customer_holds_nothing_here(client):
    document = export(client, uuid.uuid4()).get_json()
    assert document["customer"] is None and document["complaints"] == [] and document["merged_records"] == []


def test_a_merged_records_complaints_are_exported_under_the_survivor_and_under_the_merged_id(app, client,
                                                                                               known_customer, file):
    survivor, merged = known_customer(), known_customer()
    own, moved = file(customer_id=survivor), file(customer_id=merged, description="合并前的投诉")
    deliver(app, "customer.merged.v1", survivor, survivor_id=survivor, merged_id=merged, merged_at=NOW,
            undo_until=NOW)
    document = export(client, survivor).get_json()
    assert {held["id"] for held in document["complaints"]} == {own["id"], moved["id"]}
    assert [record["id"] for record in document["merged_records"]] == [merged]
    assert [held["moves"][0]["from_customer"] for held in document["complaints"] if held["id"] == moved["id"]] \
        == [merged]
    # asked for the merged id, its complaint (now under the survivor) is still about that person
    assert [held["id"] for held in export(client, merged).get_json()["complaints"]] == [moved["id"]]


def test_a_merge_not_yet_heard_of_here_is_covered_by_the_merged_ids_the_caller_names(client, known_customer, file):
    survivor, merged = known_customer(), known_customer()
    late = file(customer_id=merged, description="还没收到合并事件")
    assert export(client, survivor).get_json()["complaints"] == []
    document = export(client, survivor, merged=merged).get_json()
    assert [held["id"] for held in document["complaints"]] == [late["id"]]
    assert export(client, survivor, merged="not-an-id").status_code == 422
    # at most 50: the ids must fit in a request line
    assert export(client, survivor, merged=[str(uuid.uuid4()) for _ in range(51)]).status_code == 422


def test_an_erased_customers_export_shows_what_is_left_and_nothing_personal(app, client, known_customer, file):
    customer_id = known_customer()
    file(customer_id=customer_id, description="销售顾问态度恶劣，电话13900000000")
    deliver(app, "customer.erased.v1", customer_id, customer_id=customer_id, erased_at=NOW)
    response = export(client, customer_id)
    document = response.get_json()
    assert document["customer"]["erased_at"] is not None and document["customer"]["name"] is None
    assert document["complaints"][0]["description"] == "[erased]"
    assert "张伟" not in response.text and "13900000000" not in response.text


def test_the_document_describes_the_export(client):
    paths = client.get("/openapi.json").json["paths"]
    operation = paths["/api/v1/complaints/privacy/customers/{customer_id}/personal-data"]["get"]
    assert operation["x-permission"] == "manage" and "200" in operation["responses"]
