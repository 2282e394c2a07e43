"""One OpenAPI document for the whole API; readiness of everything behind the door; metrics."""
from __future__ import annotations

import re

SERVICE_DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "customer", "version": "v1"},
    "paths": {
        "/api/v1/customers": {"get": {"tags": ["Customers"], "responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Customer"}}}}}}},
        "/api/v1/customers/{id}": {"get": {"responses": {"default": {"description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}},
    },
    "components": {
        "schemas": {"Customer": {"type": "object", "properties": {"name": {"type": "string"}}},
                    "Problem": {"type": "object",
                              "properties": {"code": {"type": "integer"}, "why": {"type": "string"}}}},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "tags": [{"name": "Customers"}],
}


def test_merged_openapi_has_the_gateways_and_the_services_paths(make_gateway, make_upstream):
    customer = make_upstream("customer", openapi=SERVICE_DOCUMENT)
    client = make_gateway(CUSTOMER_URL=customer.url).test_client()
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/customers", "/api/v1/customers/{id}", "/api/v1/auth/token", "/api/v1/users",
            "/api/v1/api-keys"} <= set(document["paths"])
    assert set(document["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert document["components"]["securitySchemes"]["apiKey"]["name"] == "X-API-Key"
    assert document["components"]["schemas"]["Customer"] == SERVICE_DOCUMENT["components"]["schemas"]["Customer"]
    # The service's Problem is not the gateway's Problem: it is renamed and its reference follows.
    theirs = SERVICE_DOCUMENT["components"]["schemas"]["Problem"]
    assert document["components"]["schemas"]["customer_Problem"] == theirs
    assert document["components"]["schemas"]["Problem"] != theirs
    error = document["paths"]["/api/v1/customers/{id}"]["get"]["responses"]["default"]
    assert error["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/customer_Problem"
    # The services without a document (the echoes here answer with something else) are listed.
    assert "customer" not in document["x-unavailable-services"]
    assert document["paths"]["/api/v1/auth/token"]["post"]["security"] == []


def test_a_service_that_is_down_is_left_out_and_listed(make_gateway, make_upstream, upstreams):
    customer = make_upstream("customer", openapi=SERVICE_DOCUMENT)
    client = make_gateway(CUSTOMER_URL=customer.url).test_client()
    customer.stop()
    document = client.get("/api/v1/openapi.json").get_json()
    assert "customer" in document["x-unavailable-services"]
    assert "/api/v1/customers" not in document["paths"]
    assert "/api/v1/users" in document["paths"]


def test_merged_openapi_is_cached_for_a_few_seconds(make_gateway, make_upstream):
    customer = make_upstream("customer", openapi=SERVICE_DOCUMENT)
    client = make_gateway(CUSTOMER_URL=customer.url, GATEWAY_OPENAPI_CACHE_SECONDS="60").test_client()
    assert "/api/v1/customers" in client.get("/api/v1/openapi.json").get_json()["paths"]
    customer.stop()
    assert "/api/v1/customers" in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_readyz_is_200_when_every_service_is_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["services"] == {name: "ready" for name in ("customer", "complaint", "reminder", "reporting")}
    assert body["database"] == "ok"


def test_readyz_is_503_naming_a_service_that_is_down_or_not_ready(client, upstreams):
    upstreams["complaint"].stop()
    upstreams["reporting"].ready = False
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    services = response.get_json()["services"]
    assert services["complaint"] == "unreachable"
    assert services["reporting"] == "not_ready"
    assert services["customer"] == "ready"


def test_readyz_reports_a_slow_service_as_timeout_quickly(make_gateway, upstreams):
    client = make_gateway(GATEWAY_READINESS_TIMEOUT="0.3").test_client()
    upstreams["reminder"].delay = 2
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["services"]["reminder"] == "timeout"


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_routes_and_time_each_service(client, admin):
    before = client.get("/metrics").get_data(as_text=True)
    client.get("/api/v1/complaints/9", headers=admin)
    after = client.get("/metrics").get_data(as_text=True)
    name = "gateway_upstream_duration_seconds_count"
    assert _sample(after, name, service="complaint") == _sample(before, name, service="complaint") + 1
    route = "/api/v1/complaints/<path:rest>"
    requests = "http_requests_total"
    assert (_sample(after, requests, service="gateway", route=route, status="200")
            == _sample(before, requests, service="gateway", route=route, status="200") + 1)
    assert re.search(r'^gateway_upstream_duration_seconds_bucket\{.*service="complaint"', after, re.M)
