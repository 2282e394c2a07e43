"""Merging OpenAPI documents: a plain function, tested without any server."""
from __future__ import annotations

from gateway.service_layer.openapi import CachedDocument, merge_documents

OWN = {"openapi": "3.0.3", "info": {"title": "gateway", "version": "v1"},
       "paths": {"/api/v1/users": {"get": {}}},
       "components": {"schemas": {"Error": {"type": "object", "properties": {"message": {"type": "string"}}}},
                      "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
       "tags": [{"name": "users"}]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def test_identical_components_are_kept_once_under_their_name():
    service = {"paths": {"/api/v1/customers": {"get": {"responses": {"default": {"schema": _ref("Error")}}}}},
               "components": {"schemas": {"Error": OWN["components"]["schemas"]["Error"]}}}
    merged = merge_documents(OWN, {"customer": service}, [])
    assert set(merged["components"]["schemas"]) == {"Error"}
    assert merged["paths"]["/api/v1/customers"]["get"]["responses"]["default"]["schema"] == _ref("Error")


def test_clashing_components_are_prefixed_and_every_ref_follows():
    other_error = {"type": "string"}
    page = {"type": "object", "properties": {"errors": {"type": "array", "items": _ref("Error")}}}
    service = {"paths": {"/api/v1/complaints": {"get": {"schema": _ref("Page")},
                                                "post": {"schema": _ref("Error")}}},
               "components": {"schemas": {"Error": other_error, "Page": page}}}
    first = {"paths": {}, "components": {"schemas": {"Page": {"type": "object"}}}}
    merged = merge_documents(OWN, {"complaint": service, "a_first": first}, [])
    schemas = merged["components"]["schemas"]
    assert schemas["Error"] == OWN["components"]["schemas"]["Error"]
    assert schemas["complaint_Error"] == other_error
    # Page clashed with a_first's Page, and its inner ref to Error follows the rename too.
    assert schemas["complaint_Page"]["properties"]["errors"]["items"] == _ref("complaint_Error")
    assert merged["paths"]["/api/v1/complaints"]["get"]["schema"] == _ref("complaint_Page")
    assert merged["paths"]["/api/v1/complaints"]["post"]["schema"] == _ref("complaint_Error")


def test_only_the_gateways_security_schemes_remain_and_unavailable_services_are_listed():
    service = {"paths": {"/api/v1/reports": {"get": {}}},
               "components": {"securitySchemes": {"bearer": {"type": "apiKey", "in": "query", "name": "t"}}},
               "tags": [{"name": "reports"}, {"name": "users"}]}
    merged = merge_documents(OWN, {"reporting": service}, ["customer"])
    assert merged["components"]["securitySchemes"] == OWN["components"]["securitySchemes"]
    assert merged["x-unavailable-services"] == ["customer"]
    assert [tag["name"] for tag in merged["tags"]] == ["reports", "users"]
    assert set(merged["paths"]) == {"/api/v1/users", "/api/v1/reports"}
    assert OWN["paths"] == {"/api/v1/users": {"get": {}}}  # the gateway's own document is not changed


def test_each_operations_permission_survives_the_merge():
    declared = {"x-permission": "manage", "x-roles": ["admin", "manager"], "description": "Roles: admin, manager."}
    service = {"paths": {"/api/v1/complaints/sla-policies": {"post": declared}}}
    merged = merge_documents(OWN, {"complaint": service}, [])
    assert merged["paths"]["/api/v1/complaints/sla-policies"]["post"] == declared


def test_cached_document_is_rebuilt_only_after_it_expires():
    builds = []
    cache = CachedDocument(lambda: builds.append(1) or {"n": len(builds)}, ttl=60)
    assert cache.get() == {"n": 1} and cache.get() == {"n": 1}
    expired = CachedDocument(lambda: builds.append(1) or {"n": len(builds)}, ttl=0)
    assert expired.get() != expired.get()
