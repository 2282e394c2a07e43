"""GET /api/v1/reminders/privacy/customers/<id>/personal-data: everything this service holds on a person."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reminder.adapters.channels import senders
from reminder.service_layer.delivery import deliver_due
from servicekit.testing import auth_headers

AGENT = auth_headers("agent", "li.si")
MANAGER = auth_headers("manager", "boss")
NAME, PHONE, PLATE = "欧阳娜娜", "+8613800138000", "沪Avi123"


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def export(client, customer_id, headers=MANAGER, **query):
    return client.get(f"/api/v1/reminders/privacy/customers/{customer_id}/personal-data", headers=headers,
                      query_string=query)


def test_the_export_holds_reminders_notifications_appointments_opt_outs_and_the_copies(app, client, sessions,
                                                                                         customer, vehicle, visit,
                                                                                         run_scheduler, receiver):
    hook = receiver()
    assert client.patch("/api/v1/reminders/rules/delivery_callback_3d", json={"channels": ["sms"]},
                        headers=MANAGER).status_code == 200
    customer_id = customer(name=NAME, phone=PHONE, consent={"sms": True, "phone": True, "email": False},
                           quiet_hours=None)
    asset_id = vehicle(customer_id, plate=PLATE)
    visit(customer_id, "store", later(-1))
    other = customer(name="别人")
    vehicle(other, plate="京B00001")
    settings = replace(app.extensions["reminder_settings"], sms_url=hook.url)
    run_scheduler(later(3.5), sms_url=hook.url,
                  deliver=lambda moment: deliver_due(sessions, settings, senders(settings), moment))
    booked = client.post("/api/v1/appointments", headers=AGENT, json={
        "customer_id": customer_id, "purpose": "maintenance", "scheduled_at": later(5).replace(microsecond=0)
        .isoformat(), "asset_id": asset_id})
    assert booked.status_code == 201, booked.get_json()
    assert client.post("/api/v1/reminders/opt-outs", headers=AGENT,
                       json={"customer_id": customer_id, "channel": "email"}).status_code == 201

    response = export(client, customer_id)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert document["service"] == "reminder" and document["customer_id"] == customer_id
    assert (document["customer"]["name"], document["customer"]["phone"]) == (NAME, PHONE)
    assert [asset["id"] for asset in document["assets"]] == [asset_id] and PLATE in document["assets"][0]["label"]
    assert len(document["visits"]) == 1
    callback = next(item for item in document["reminders"] if item["rule_id"] == "delivery_callback_3d")
    assert PLATE in callback["reason"] and callback["status"] != "scheduled"
    [sms] = [item for item in document["notifications"] if item["reminder_id"] == callback["id"]]
    assert (sms["channel"], sms["status"], sms["target"]) == ("sms", "sent", PHONE) and PLATE in sms["body"]
    assert [item["id"] for item in document["appointments"]] == [booked.get_json()["id"]]
    assert [item["channel"] for item in document["opt_outs"]] == ["email"]
    assert "京B00001" not in response.text and "别人" not in response.text


def test_only_roles_that_may_export_personal_data_get_it(client, customer):
    customer_id = customer()
    for role in ("agent", "viewer", "integration"):
        assert export(client, customer_id, auth_headers(role, "someone")).status_code == 403
    assert export(client, customer_id, auth_headers("admin", "root")).status_code == 200
    assert client.get(f"/api/v1/reminders/privacy/customers/{customer_id}/personal-data").status_code == 401


def test_a_customer_of_another_store_is_refused_to_a_store_tied_manager(client, customer):
    theirs, ours = customer(store_id="bj01", name="北京客户"), customer(store_id="sh01")
    tied = auth_headers("manager", "sh.manager", stores=("sh01",))
    refused = export(client, theirs, tied)
    assert refused.status_code == 403 and "北京客户" not in refused.text
    assert export(client, ours, tied).status_code == 200


def test_an_unknown_customer_holds_nothing_here(client):
    document = export(client, uuid.uuid4()).get_json()
    assert document["customer"] is None and document["reminders"] == [] and document["appointments"] == []


def test_a_merged_records_rows_are_exported_under_the_survivor_and_under_the_merged_id(client, feed, customer,
                                                                                         vehicle):
    survivor, merged = customer(), customer()
    asset_id = vehicle(merged, plate=PLATE)
    feed("customer.merged.v1", {"survivor_id": survivor, "merged_id": merged,
                                "merged_at": datetime.now(UTC).isoformat(), "undo_until": later(7).isoformat()})
    document = export(client, survivor).get_json()
    assert [asset["id"] for asset in document["assets"]] == [asset_id]
    assert [record["id"] for record in document["merged_records"]] == [merged]
    assert any(item["asset_id"] == asset_id for item in document["reminders"])
    assert [asset["id"] for asset in export(client, merged).get_json()["assets"]] == [asset_id]


def test_a_merge_not_yet_heard_of_here_is_covered_by_the_merged_ids_the_caller_names(client, customer, vehicle):
    survivor, merged = customer(), customer()
    asset_id = vehicle(merged)
    assert export(client, survivor).get_json()["assets"] == []
    assert [asset["id"] for asset in export(client, survivor, merged=merged).get_json()["assets"]] == [asset_id]
    assert export(client, survivor, merged="not-an-id").status_code == 422


def test_an_erased_customers_export_shows_what_is_left_and_nothing_personal(client, feed, customer, vehicle):
    customer_id = customer(name=NAME, phone=PHONE)
    vehicle(customer_id, plate=PLATE)
    feed("customer.erased.v1", {"customer_id": customer_id, "erased_at": datetime.now(UTC).isoformat()})
    response = export(client, customer_id)
    document = response.get_json()
    assert document["customer"]["erased_at"] is not None and document["assets"][0]["label"] == "[erased]"
    for personal in (NAME, PHONE, PLATE):
        assert personal not in response.text


def test_the_document_describes_the_export(client):
    paths = client.get("/openapi.json").json["paths"]
    operation = paths["/api/v1/reminders/privacy/customers/{customer_id}/personal-data"]["get"]
    assert operation["x-permission"] == "manage" and "200" in operation["responses"]
