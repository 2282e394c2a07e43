"""Each report's JSON body is what the service's OpenAPI document says it is, member by member."""
from __future__ import annotations

import jsonschema
import pytest
from reporting.entrypoints.api.bodies import BODIES
from servicekit.testing import auth_headers

from bench.generate import History

PERIOD = {"from": "2025-11-01", "to": "2026-10-31"}


def _json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema says it (a type that admits null)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    return node


def _schema_of(document: dict, path: str) -> dict:
    """The 200 JSON schema of GET `path`, with the document's components to resolve its $refs."""
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return _json_schema({**schema, "components": document["components"]})


@pytest.mark.parametrize("name", sorted(BODIES))
def test_each_report_body_is_what_the_document_says(name, apply, client):
    apply(History(seed=5, customers=80, visits=300, complaints=30).events())
    document = client.get("/openapi.json").get_json()
    query = {**PERIOD, **({"segment": "champions"} if name == "value" else {})}
    response = client.get(f"/api/v1/reports/{name}", query_string=query, headers=auth_headers("viewer"))
    assert response.status_code == 200, response.text
    body = response.get_json()
    schema = _schema_of(document, f"/api/v1/reports/{name}")
    jsonschema.validate(body, schema, format_checker=jsonschema.FormatChecker())
    assert set(body) == set(document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["properties"]) \
        - ({"members"} if name != "value" else set())


@pytest.mark.parametrize("name", sorted(BODIES))
def test_each_format_a_report_comes_in_is_documented(name, client):
    document = client.get("/openapi.json").get_json()
    documented = set(document["paths"][f"/api/v1/reports/{name}"]["get"]["responses"]["200"]["content"])
    sent = set()
    for output in ("json", "csv", "png", "svg", "html"):
        response = client.get(f"/api/v1/reports/{name}", query_string={**PERIOD, "format": output},
                              headers=auth_headers("viewer"))
        if response.status_code == 200:
            sent.add(response.mimetype)
    assert {"application/json", "text/csv"} <= sent
    assert sent == documented
