"""GET /api/v1/reports/privacy/customers/<id>/personal-data: every row the read model keeps about a person."""
from __future__ import annotations

import uuid

from reporting_events import appointment, complaint, customer, erased, merged, reminder, vehicle, visit
from servicekit.testing import auth_headers

MANAGER = auth_headers("manager", "boss")
AT = "2026-03-02T02:00:00Z"


def new_id() -> str:
    return str(uuid.uuid4())


def export(client, customer_id, headers=MANAGER, **query):
    return client.get(f"/api/v1/reports/privacy/customers/{customer_id}/personal-data", headers=headers,
                      query_string=query)


def test_the_export_holds_the_customer_row_and_every_row_counted_for_them(apply, client):
    customer_id, other, asset_id = new_id(), new_id(), new_id()
    apply([customer(customer_id, AT, kind="owner", store_id="sh01"), customer(other, AT, name="别人"),
           vehicle(customer_id, asset_id, "2026-03-01"), visit(customer_id, "service", AT, asset_id=asset_id),
           complaint("cmp-1", "filed", AT, AT, "filed", customer_id=customer_id),
           reminder("rem-1", "due", AT, AT, customer_id=customer_id),
           appointment("apt-1", "booked", AT, customer_id=customer_id)])
    response = export(client, customer_id)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert document["service"] == "reporting" and document["customer"]["name"] == "王芳"
    assert [row["id"] for row in document["vehicles"]] == [asset_id]
    assert len(document["visits"]) == 1 and document["visits"][0]["kind"] == "service"
    assert [row["id"] for row in document["complaints"]] == ["cmp-1"]
    assert [row["id"] for row in document["reminders"]] == ["rem-1"]
    assert [row["id"] for row in document["appointments"]] == ["apt-1"]
    assert "别人" not in response.text


def test_only_roles_that_may_export_personal_data_get_it_and_a_store_tied_manager_only_their_stores(apply, client):
    ours, theirs = new_id(), new_id()
    apply([customer(ours, AT, store_id="sh01"), customer(theirs, AT, store_id="bj01", name="北京客户")])
    for role in ("agent", "viewer", "integration"):
        assert export(client, ours, auth_headers(role, "someone")).status_code == 403
    tied = auth_headers("manager", "sh.manager", stores=("sh01",))
    assert export(client, ours, tied).status_code == 200
    refused = export(client, theirs, tied)
    assert refused.status_code == 403 and "北京客户" not in refused.text


def test_merged_records_and_an_erased_customer(apply, client):
    survivor, gone, late = new_id(), new_id(), new_id()
    apply([customer(survivor, AT), customer(gone, AT, name="合并的记录"), customer(late, AT),
           visit(gone, "store", AT), visit(late, "store", AT), merged(survivor, gone, AT)])
    document = export(client, survivor).get_json()
    assert [row["id"] for row in document["merged_records"]] == [gone]
    assert [row["merged_from"] for row in document["visits"]] == [gone]
    assert len(export(client, survivor, merged=late).get_json()["visits"]) == 2  # a merge not yet applied here
    assert export(client, uuid.uuid4()).get_json()["customer"] is None
    apply([erased(survivor, AT), erased(gone, AT)])
    response = export(client, survivor)
    assert response.get_json()["customer"]["erased"] is True
    assert "王芳" not in response.text and "+8613912345678" not in response.text and "合并的记录" not in response.text


def test_the_document_describes_the_export(client):
    paths = client.get("/openapi.json").json["paths"]
    operation = paths["/api/v1/reports/privacy/customers/{customer_id}/personal-data"]["get"]
    assert operation["x-permission"] == "manage" and "200" in operation["responses"]
