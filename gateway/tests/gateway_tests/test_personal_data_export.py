"""GET /api/v1/customers/<id>/personal-data: the gateway gathers every service's section into one export."""
from __future__ import annotations

import json
import uuid

from gateway.entrypoints.personal_data import describe
from servicekit.auth import verify_token
from servicekit.testing import TEST_SECRET

CUSTOMER_ID = str(uuid.uuid4())
MERGED_ID = str(uuid.uuid4())
PATH = f"/api/v1/customers/{CUSTOMER_ID}/personal-data"
SECTION_PATHS = {"complaint": f"/api/v1/complaints/privacy/customers/{CUSTOMER_ID}/personal-data",
                 "reminder": f"/api/v1/reminders/privacy/customers/{CUSTOMER_ID}/personal-data",
                 "reporting": f"/api/v1/reports/privacy/customers/{CUSTOMER_ID}/personal-data"}


def answer(upstreams, services=("complaint", "reminder", "reporting")) -> None:
    upstreams["customer"].answer_with(body=json.dumps({
        "customer_id": CUSTOMER_ID, "customer": {"id": CUSTOMER_ID, "name": "欧阳娜娜"},
        "merged_records": [{"id": MERGED_ID}], "assets": []}, ensure_ascii=False).encode())
    for service in services:
        upstreams[service].answer_with(body=json.dumps({"service": service, "customer_id": CUSTOMER_ID}).encode())


def test_one_request_returns_the_customer_document_with_every_services_section(client, admin, upstreams):
    answer(upstreams)
    response = client.get(PATH, headers=admin)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert document["customer"]["name"] == "欧阳娜娜" and document["assets"] == []  # the customer part as it was
    assert {name: section["service"] for name, section in document["sections"].items()} == {
        "complaint": "complaint", "reminder": "reminder", "reporting": "reporting"}
    assert document["not_deployed"] == []
    for service, path in SECTION_PATHS.items():
        [seen] = upstreams[service].received
        assert (seen["method"], seen["path"], seen["query"]) == ("GET", path, f"merged={MERGED_ID}")
        # each service is asked with a service token of the same caller, which it checks itself
        assert verify_token(TEST_SECRET, seen["headers"]["Authorization"].split()[1]).subject == "admin"


def test_a_refusal_of_the_customer_service_is_the_answer_and_no_other_service_is_asked(client, admin, upstreams):
    upstreams["customer"].answer_with(status=403, body=b'{"title": "Forbidden", "status": 403}',
                                      content_type="application/problem+json")
    response = client.get(PATH, headers=admin)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert not any(upstreams[service].received for service in SECTION_PATHS)


def test_a_service_down_fails_the_export_naming_it_instead_of_leaving_its_data_out(client, admin, upstreams):
    answer(upstreams)
    upstreams["reminder"].stop()
    response = client.get(PATH, headers=admin)
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["services"] == ["reminder"] and "reminder" in problem["detail"]
    assert "欧阳娜娜" not in response.get_data(as_text=True)


def test_a_service_answering_an_error_fails_the_export_too(client, admin, upstreams):
    answer(upstreams, services=("complaint", "reminder"))
    upstreams["reporting"].answer_with(status=500, body=b"{}")
    response = client.get(PATH, headers=admin)
    assert response.status_code == 503 and response.get_json()["services"] == ["reporting"]
    assert "answered 500" in response.get_json()["detail"]


def test_an_answer_of_the_customer_service_that_is_no_document_is_a_502(client, admin, upstreams):
    upstreams["customer"].answer_with(body=b"<html>oops</html>", content_type="text/html")
    response = client.get(PATH, headers=admin)
    assert response.status_code == 502 and response.get_json()["service"] == "customer"


def test_a_service_this_deployment_does_not_run_is_named_as_not_deployed(make_gateway, login, upstreams):
    client = make_gateway(REPORTING_URL="").test_client()
    answer(upstreams)
    document = client.get(PATH, headers=login(client)).get_json()
    assert set(document["sections"]) == {"complaint", "reminder"} and document["not_deployed"] == ["reporting"]
    assert not upstreams["reporting"].received


def test_other_methods_and_paths_still_go_to_the_customer_service_alone(client, admin, upstreams):
    assert client.post(PATH, headers=admin).get_json()["path"] == PATH
    assert client.head(PATH, headers=admin).status_code == 200
    assert upstreams["customer"].received[-1]["method"] == "HEAD"
    assert client.options(PATH, headers=admin).get_json()["method"] == "OPTIONS"  # its Allow is the service's
    assert client.get("/api/v1/customers/not-an-id/personal-data", headers=admin).get_json()["service"] == "customer"
    assert not any(upstreams[service].received for service in SECTION_PATHS)


def test_the_merged_document_describes_the_sections_with_each_services_own_schema():
    ok = {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}
    error = {"$ref": "#/components/responses/DEFAULT_ERROR"}

    def section(name):
        return {"get": {"responses": {"200": {"content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{name}"}}}}}}}

    customer_part = {"type": "object", "additionalProperties": False, "required": ["customer"],
                     "properties": {"customer": {"type": "object"}}}
    document = {"components": {"schemas": {"X": customer_part}}, "paths": {
        "/api/v1/customers/{customer_id}/personal-data": {"get": {"responses": {"200": ok, "default": error},
                                                                  "description": "Roles: admin, manager."}},
        "/api/v1/complaints/privacy/customers/{customer_id}/personal-data": section("ComplaintPersonalData"),
        "/api/v1/reminders/privacy/customers/{customer_id}/personal-data": section("ReminderPersonalData")}}
    operation = describe(document)["paths"]["/api/v1/customers/{customer_id}/personal-data"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    gathered = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    # the customer part admits no other member, so the sections are added to a copy of it
    assert gathered["additionalProperties"] is False and gathered["required"] == ["customer", "not_deployed",
                                                                                  "sections"]
    assert document["components"]["schemas"]["X"] == customer_part
    sections = gathered["properties"]["sections"]["properties"]
    assert sections["complaint"] == {"$ref": "#/components/schemas/ComplaintPersonalData"}
    assert sections["reporting"]["type"] == "object"  # a service whose document was not to be had
    assert operation["responses"]["503"] == error and operation["description"].endswith("Roles: admin, manager.")
