"""GET /api/v1/customers/<id>/personal-data: one request returns everything every service holds on a person.

Why here: the services own their data and never call each other over HTTP (they talk through events only), so
none of them can gather the others' parts without learning where they run and depending on their being up. The
gateway already knows every service and already passes each request on with a service token; gathering is one
more door-keeping step, with no business rule in it: it asks the customer service first (who decides whether
the caller may have the export at all: role, stores, the customer existing) and, only if that succeeds, asks
each other service for its section with the same caller's token, then puts the answers side by side.

A data-subject request must not silently omit data: when a configured service cannot give its section (down,
too slow, an error), the whole export is a 503 naming the services, never a partial answer. A service this
deployment does not run holds nothing, and the document names it under `not_deployed`.
"""
from __future__ import annotations

import copy
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from flask import Flask, Response, g, jsonify, request
from servicekit.held import MAX_MERGED
from servicekit.problems import Problem
from urllib3.exceptions import HTTPError

from gateway.adapters.upstreams import UPSTREAM_FAILURES, Upstreams
from gateway.entrypoints import proxy

log = logging.getLogger(__name__)

#: The route a user calls; the customer service answers its own part of it.
ROUTE = "/api/v1/customers/<uuid:customer_id>/personal-data"
DOCUMENTED_PATH = "/api/v1/customers/{customer_id}/personal-data"
#: Each other service's section of the export, by the path it answers it on.
SECTIONS = {
    "complaint": "/api/v1/complaints/privacy/customers/{customer_id}/personal-data",
    "reminder": "/api/v1/reminders/privacy/customers/{customer_id}/personal-data",
    "reporting": "/api/v1/reports/privacy/customers/{customer_id}/personal-data",
}
#: The merged OpenAPI document's name for the gathered answer.
GATHERED_SCHEMA = "GatheredPersonalDataDocument"


def _fetch_section(state: Upstreams, service: str, target: str, headers: dict[str, str]
                   ) -> tuple[dict[str, Any] | None, str | None]:
    """The section of `service`, or None and why it could not be had (called outside the request's thread)."""
    try:
        response = state.pool(service).urlopen("GET", target, headers=headers)
    except HTTPError as exc:
        UPSTREAM_FAILURES.labels(service, "unavailable").inc()
        log.warning("no personal-data section from the %s service: %r", service, exc)
        return None, "unavailable"
    if response.status != 200:
        log.warning("the %s service answered %s to a personal-data section", service, response.status)
        return None, f"answered {response.status}"
    try:
        section = json.loads(response.data)
    except ValueError:
        return None, "answered something other than JSON"
    return (section, None) if isinstance(section, dict) else (None, "answered something other than a document")


def export(customer_id: UUID) -> Response:
    """The customer service's document of the customer, with each other service's section under `sections`."""
    if request.method != "GET":  # a HEAD carries no document to add to: the customer service answers it
        return proxy.forward("customers")
    state = proxy.upstreams()
    if "customer" not in state.services:
        raise Problem(503, "Service Unavailable", "The customer service is not configured in this deployment.",
                      service="customer")
    upstream = proxy._send("customer")  # the request as it came: the customer service decides who may have it
    if upstream.status != 200:
        headers = proxy.returned_headers(upstream, state.services["customer"], request.environ)
        return proxy.proxied_response("customer", upstream, headers, request.method)
    document = _document(upstream)
    sections = _sections(state, document)
    document["sections"] = sections
    document["not_deployed"] = [service for service in SECTIONS if service not in state.services]
    return jsonify(document)


def _document(upstream: Any) -> dict[str, Any]:
    """The customer service's export document, read from its answer (and the connection released); a 502 when
    it is none."""
    try:
        document = json.loads(upstream.read_all())
    except (ValueError, proxy.UpstreamError):
        document = None
    finally:
        upstream.release_conn()
    if not isinstance(document, dict) or not isinstance(document.get("customer_id"), str):
        raise Problem(502, "Bad Gateway", "The customer service answered the export with something other than its "
                      "document.", service="customer")
    return document


def _sections(state: Upstreams, document: dict[str, Any]) -> dict[str, Any]:
    """{service: its section} of every other service deployed, asked at once; a 503 naming those that failed."""
    merged = [record["id"] for record in document.get("merged_records", []) if isinstance(record, dict)]
    # the names cover a merge whose event has not reached a service yet (each knows the merges it has applied)
    query = urlencode([("merged", merged_id) for merged_id in merged[:MAX_MERGED]])
    headers = {"Authorization": g.upstream_authorization, "X-Request-ID": g.request_id, "Accept": "application/json"}
    wanted = [service for service in SECTIONS if service in state.services]
    targets = {service: state.prefixes[service] + SECTIONS[service].format(customer_id=document["customer_id"])
               + (f"?{query}" if query else "") for service in wanted}
    sections: dict[str, Any] = {}
    failures: dict[str, str] = {}
    if wanted:
        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            found = pool.map(lambda service: _fetch_section(state, service, targets[service], headers), wanted)
            answers = dict(zip(wanted, found, strict=True))
        for service, (section, failure) in answers.items():
            if failure is None:
                sections[service] = section
            else:
                failures[service] = failure
    if failures:
        named = ", ".join(f"the {service} service {why}" for service, why in sorted(failures.items()))
        raise Problem(503, "Service Unavailable",
                      f"The personal data could not be gathered whole ({named}); an export never leaves out what a "
                      "service holds, so none is given. Try again shortly.",
                      service=sorted(failures)[0], services=sorted(failures))
    return sections


def register(app: Flask) -> None:
    """Serve the gathered export (before the proxy's routes, which would send it to the customer service alone)."""
    # OPTIONS goes on to the customer service (through the proxy's route), whose Allow header is the true one
    app.add_url_rule(ROUTE, endpoint="personal_data_export", view_func=export, methods=["GET"],
                     provide_automatic_options=False)


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its $ref (to a component of `document`) followed."""
    while "$ref" in schema:
        kind, name = schema["$ref"].split("/")[2:4]
        schema = document["components"][kind][name]
    return schema


def describe(document: dict[str, Any]) -> dict[str, Any]:
    """Document the gathered export in the merged OpenAPI document: the customer service's document of the
    customer plus `sections` (each service's own section schema, as it documents it) and `not_deployed`."""
    operation = document.get("paths", {}).get(DOCUMENTED_PATH, {}).get("get")
    if operation is None:
        return document
    responses = operation.setdefault("responses", {})
    content = responses.get("200", {}).get("content", {}).get("application/json", {})
    section_schemas = {}
    for service, path in SECTIONS.items():
        theirs = document["paths"].get(path, {}).get("get", {})
        schema = theirs.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get(
            "schema")
        section_schemas[service] = schema or {"type": "object", "description": f"The {service} service's section."}
    added = {
        "sections": {
            "type": "object", "additionalProperties": False, "properties": section_schemas,
            "description": "What every other service holds on the person, one section per service this "
                           "deployment runs (all of them, or the request is a 503)."},
        "not_deployed": {
            "type": "array", "items": {"type": "string", "enum": list(SECTIONS)},
            "description": "Services this deployment does not run: they hold nothing."},
    }
    customer_part = content.get("schema")
    if customer_part is not None:
        # the customer service's document admits no other member: a copy of it with the sections added
        gathered = copy.deepcopy(_resolved(document, customer_part))
        gathered.setdefault("properties", {}).update(added)
        gathered["required"] = sorted({*gathered.get("required", []), *added})
        gathered["description"] = ("The customer service's document of the customer, with what every other "
                                   "service holds on the person under `sections`.")
        document.setdefault("components", {}).setdefault("schemas", {})[GATHERED_SCHEMA] = gathered
        content["schema"] = {"$ref": f"#/components/schemas/{GATHERED_SCHEMA}"}
    if "default" in responses:
        responses.setdefault("503", responses["default"])
    operation["summary"] = "Everything every service holds about the customer, as one JSON document"
    operation["description"] = (
        "PIPL art. 45, GDPR art. 15 and 20: the customer service's record of the customer, the records merged into "
        "it, and under `sections` what the complaint, reminder and reporting services hold on the person, gathered "
        "by the gateway in one request. When a service cannot give its part, the answer is a 503 naming it "
        "(`services`), never a partial export. The export is kept in the customer's history. "
        + operation.get("description", ""))
    return document
