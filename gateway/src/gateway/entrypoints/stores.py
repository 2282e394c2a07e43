"""Store ids given to a user or an API key are checked with the customer service, which owns the stores.

A mistyped id would otherwise tie the user to a store that does not exist, and they would see nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import quote

from flask import g
from servicekit.problems import Problem
from urllib3.exceptions import HTTPError

from gateway.entrypoints.proxy import upstreams

log = logging.getLogger(__name__)


def check_stores(stores: Iterable[str]) -> None:
    """Raise a 422 naming every store the customer service does not know; 503 when it cannot be asked.

    Skipped when no customer service is configured in this deployment (there are no stores to check).
    """
    wanted = sorted(set(stores))
    state = upstreams()
    if not wanted or "customer" not in state.services:
        return
    headers = {"Authorization": g.upstream_authorization, "X-Request-ID": g.request_id, "Accept": "application/json"}
    unknown = []
    for store_id in wanted:
        target = f"{state.prefixes['customer']}/api/v1/stores/{quote(store_id, safe='')}"
        try:
            status = state.pool("customer").urlopen("GET", target, headers=headers).status
        except HTTPError as exc:
            log.warning("could not check store %r with the customer service: %r", store_id, exc)
            status = None
        if status == 404:
            unknown.append(store_id)
        elif status != 200:
            raise Problem(503, "Service Unavailable",
                          "The customer service, which knows the stores, could not be asked; try again shortly.",
                          service="customer")
    if unknown:
        raise Problem(422, "Unprocessable Content", "Unknown store: " + ", ".join(unknown) + ".",
                      errors={"stores": [f"There is no store '{store_id}'." for store_id in unknown]})
