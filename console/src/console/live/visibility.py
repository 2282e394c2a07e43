"""Who may see which event, and what of it the page is told.

An event goes to a person when their role may read and, if they are limited to stores, the event's store is one
of theirs: the rule the services apply to the records themselves (servicekit.auth.Identity). An event that names
no store (most customer-service events, a complaint of a customer with no store) goes only to people with no store
limit. The page is told the event's type, the ids of what it is about, its store and, for a task, its owner:
never a customer's name, phone or the text of a complaint.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from servicekit.auth import ROLES, Identity

from console.people import live_claims

#: The families of events the screens show, as bound on `crm.events` (the first part of the type).
FAMILIES = ("complaint", "reminder", "appointment", "customer", "visit", "asset", "odometer")
#: Families a stream receives only for the customers it names (a customer page), never all of them: a bulk
#: import makes one `customer.created.v1` per row.
PER_CUSTOMER = frozenset({"customer", "visit", "asset", "odometer"})
BINDINGS = tuple(f"{family}.#" for family in FAMILIES)


@dataclass(frozen=True)
class Viewer:
    """A person with a stream open: who they are, and what their page listens to."""

    identity: Identity
    #: Seconds since the epoch when their session token expires (None: it names no expiry).
    expires_at: float | None
    families: frozenset[str]
    customers: frozenset[str]

    def may_see(self, summary: Mapping[str, Any]) -> bool:
        """Whether this person may be told of the event `summary` describes."""
        return self.identity.may("read") and self.identity.may_see_store(summary.get("store_id"))

    def wants(self, summary: Mapping[str, Any]) -> bool:
        """Whether the page listens to events like this one and may see it."""
        family = summary["type"].partition(".")[0]
        if family not in self.families:
            return False
        if family in PER_CUSTOMER and summary.get("customer_id") not in self.customers:
            return False
        return self.may_see(summary)


def viewer_of(session: Mapping[str, Any] | None, families: Collection[str] = FAMILIES,
              customers: Collection[str] = (), now: float | None = None) -> Viewer | None:
    """The person a console session names, or None when it names nobody (no token, an unreadable or expired
    one, a role unknown). The session cookie is signed by the console, so its token's claims are read as the
    web process reads them (the gateway checks the token's signature on every API call)."""
    claims = live_claims((session or {}).get("token"), now)
    if claims is None:
        return None
    expires = claims.get("exp")
    stores = claims.get("stores") or []
    if not isinstance(claims.get("sub"), str) or claims.get("role") not in ROLES or not isinstance(stores, list):
        return None
    identity = Identity(claims["sub"], claims["role"], stores=tuple(str(store) for store in stores))
    return Viewer(identity, float(expires) if isinstance(expires, int | float) else None,
                  frozenset(families) & frozenset(FAMILIES), frozenset(customers))


def summary_of(event_type: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the page is told of an event: its type, the ids of what it is about, its store and a task's owner.
    None for an event of a family the screens do not show."""
    family = event_type.partition(".")[0]
    if family not in FAMILIES:
        return None
    customer = data.get("customer_id") or data.get("survivor_id") or (data.get("id") if family == "customer" else None)
    summary = {
        "type": event_type,
        "customer_id": customer,
        "complaint_id": data.get("complaint_id"),
        "reminder_id": data.get("reminder_id"),
        "appointment_id": data.get("appointment_id"),
        "store_id": data.get("store_id"),
        "owner": data.get("owner") if family == "reminder" else None,
    }
    return {name: value for name, value in summary.items() if value is not None and isinstance(value, str)}
