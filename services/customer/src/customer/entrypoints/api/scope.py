"""Who may reach which customer: callers tied to stores see their stores' customers only, manager-only
fields need a manager, an erased customer takes no more changes, and a merged one takes none either
(409 naming the survivor, which is the record its id serves and whose store decides who reaches it).

One hook before every view that names a customer, so no view can forget it.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from servicekit.auth import current_identity, require_store
from servicekit.problems import Problem
from servicekit.view_context import sessions

from customer.domain.errors import InvalidFields
from customer.domain.grading import managed_fields_in
from customer.domain.merge import refuse_merged
from customer.service_layer.reach import Reached, reached
from customer.service_layer.stores import check_stores_exist

READS = frozenset({"GET", "HEAD", "OPTIONS"})
#: What may still be asked about an erased customer besides reading: nothing changes it any more.
AFTER_ERASURE = frozenset({"privacy.erase"})
#: Customers a request body names (a merge of two records, or its preview).
BODY_CUSTOMER_KEYS = ("survivor_id", "merged_id")


def _named_customers() -> list[str]:
    named = [str(value) for key, value in (request.view_args or {}).items() if key == "customer_id"]
    if request.method not in READS and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            named += [body[key] for key in BODY_CUSTOMER_KEYS if isinstance(body.get(key), str)]
    return named


def check_in_reach(identity: Any, customer_ids: list[str]) -> list[Reached]:
    """The named customers and the records served for them; 404 (as for an unknown id) when a record served
    belongs to a store out of the caller's reach, so nothing is learnt by probing ids. A merged customer is
    served by its survivor, so the survivor's store decides. Ids that match no customer are the view's 404
    (or 422)."""
    found = reached(sessions(), customer_ids)
    for asked, served in found:
        if not identity.may_see_store(served.store_id):
            raise Problem(404, "Not Found", f"No customer with id {asked.id}.")
    return found


def _check_customer_in_reach() -> None:
    identity = g.get("identity")
    if identity is None or (request.method in READS and identity.store_scope is None):
        return
    named = _named_customers()
    if not named:
        return
    for asked, served in check_in_reach(identity, named):
        if request.method in READS:
            continue
        refuse_merged(asked._asdict(), survivor_id=served.id)
        if asked.erased_at is not None and request.endpoint not in AFTER_ERASURE:
            raise Problem(409, "Conflict", f"The customer {asked.id} was erased at {asked.erased_at.isoformat()}; "
                          "an erased customer can be read but no longer changed.")


def register_scope(app: Flask) -> None:
    """Check, before every view that names a customer, that the caller may reach it."""
    app.before_request(_check_customer_in_reach)


def admit(values: dict[str, Any], creating: bool) -> dict[str, Any]:
    """`values` of a customer to create or edit, checked against the caller's role and stores.

    Manager-only fields need a manager (403); the store must exist (422) and be one of the caller's
    (403); a caller of one store creates customers there by default.
    """
    identity = current_identity()
    managed = managed_fields_in(values)
    if managed and not identity.may("manage"):
        raise Problem(403, "Forbidden", f"Only managers may set {', '.join(managed)} "
                      f"(the role '{identity.role}' may not).")
    scope = identity.store_scope
    if creating and values.get("store_id") is None and scope is not None:
        if len(scope) != 1:
            raise InvalidFields.one("store_id", f"Say which of your stores ({', '.join(sorted(scope))}) "
                                                "the customer belongs to.")
        values["store_id"] = next(iter(scope))
    if "store_id" in values:
        require_store(values["store_id"], identity)
        if values["store_id"] is not None:
            check_stores_exist(sessions(), [values["store_id"]])
    return values
