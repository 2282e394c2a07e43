"""GET /api/v1/openapi.json: the merged OpenAPI document of the whole API (public)."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, Response, json
from urllib3 import Timeout
from urllib3.exceptions import HTTPError

from gateway.adapters.upstreams import Upstreams
from gateway.entrypoints import personal_data
from gateway.service_layer.openapi import CachedDocument, Document, merge_documents

log = logging.getLogger(__name__)
PATH = "/api/v1/openapi.json"


def fetch_service_documents(upstreams: Upstreams, timeout: float) -> tuple[dict[str, Document], list[str]]:
    """Each configured service's /openapi.json, and the services that did not give one."""

    def fetch(service: str) -> Document | None:
        try:
            response = upstreams.pool(service).request(
                "GET", upstreams.prefixes[service] + "/openapi.json", timeout=Timeout(connect=timeout, read=timeout))
            if not 200 <= response.status < 300:
                raise ValueError(f"status {response.status}")
            document = json.loads(response.data)
        except (HTTPError, ValueError) as exc:
            log.warning("no OpenAPI document from the %s service: %r", service, exc)
            return None
        return document if isinstance(document, dict) else None

    services = sorted(upstreams.services)
    if not services:
        return {}, []
    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        documents = dict(zip(services, pool.map(fetch, services), strict=True))
    return ({name: doc for name, doc in documents.items() if doc is not None},
            [name for name, doc in documents.items() if doc is None])


def install_openapi(app: Flask, upstreams: Upstreams, timeout: float, ttl: float) -> None:
    """Serve the merged document at PATH, cached for `ttl` seconds."""
    api = app.extensions["servicekit_api"]

    def build() -> Document:
        documents, unavailable = fetch_service_documents(upstreams, timeout)
        return personal_data.describe(merge_documents(api.spec.to_dict(), documents, unavailable))

    cache = CachedDocument(build, ttl)

    @app.get(PATH)
    def merged_openapi() -> Response:
        return Response(json.dumps(cache.get(), ensure_ascii=False), mimetype="application/json")
