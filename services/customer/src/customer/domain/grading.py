"""Grading and risk lists [002][004]: key customers, the blacklist with its reason, the credit limit,
and handing a departing consultant's customers to others, balanced by count.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from customer.domain.errors import InvalidFields

#: Fields only a manager may change: they decide how the whole group treats a customer.
MANAGED_FIELDS = ("key_customer", "blacklisted", "blacklist_reason", "credit_limit")


def settle_lists(customer: dict[str, Any]) -> dict[str, Any]:
    """`customer` with its list flags settled: off unless set, a blacklisting needs a reason, lifting it drops it;
    the deputy owner is not the owner."""
    errors: dict[str, list[str]] = {}
    customer["key_customer"] = bool(customer.get("key_customer"))
    customer["blacklisted"] = bool(customer.get("blacklisted"))
    if customer["blacklisted"]:
        reason = (customer.get("blacklist_reason") or "").strip()
        if not reason:
            errors["blacklist_reason"] = ["Say why the customer is blacklisted."]
        customer["blacklist_reason"] = reason
    else:
        customer["blacklist_reason"] = None
    if customer.get("deputy_owner") and customer.get("deputy_owner") == customer.get("owner"):
        errors["deputy_owner"] = ["The deputy owner stands in for the owner: name someone else."]
    limit = customer.get("credit_limit")
    if limit is not None and Decimal(limit) < 0:
        errors["credit_limit"] = ["A credit limit cannot be negative."]
    if errors:
        raise InvalidFields(errors)
    return customer


def managed_fields_in(values: Mapping[str, Any]) -> list[str]:
    """Which of the manager-only fields a request sets."""
    return [name for name in MANAGED_FIELDS if name in values]


def balance(customers: Sequence[str], successors: Sequence[str], current_load: Mapping[str, int],
            avoid: Mapping[str, str | None] | None = None,
            allowed: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """{customer id: successor}: each customer to the successor with the fewest customers so far.

    Loads start from `current_load` (customers each successor already owns), so the result is as even
    as it can be; ties go to the successor listed first. `avoid` names, per customer, a successor not to
    pick when another will do (the customer's other owner: nobody is both owner and deputy). `allowed` names,
    per customer, the only successors who may take it (those who work in its store).
    """
    if not successors:
        raise InvalidFields.one("to_owners", "Name at least one consultant to hand the customers to.")
    load = {name: current_load.get(name, 0) for name in successors}
    order = {name: index for index, name in enumerate(successors)}
    plan: dict[str, str] = {}
    for customer_id in customers:
        unwanted = (avoid or {}).get(customer_id)
        pool = list(successors) if allowed is None else [name for name in successors if name in allowed[customer_id]]
        candidates = [name for name in pool if name != unwanted] or pool
        chosen = min(candidates, key=lambda name: (load[name], order[name]))
        plan[customer_id] = chosen
        load[chosen] += 1
    return plan
