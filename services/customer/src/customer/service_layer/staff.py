"""Who may own a customer: an active user, known from the gateway's user events (servicekit.staff), who works in
the customer's store or for the whole group. A customer's `owner` and `deputy_owner` on registration and edit,
and the consultants a departing one's customers are handed to (also in a dry run), are checked here; anyone else
is a 422 naming the field.

The copy is kept by the consumer (servicekit.staff.apply_user_event), on the queue `customer.users`
(customer.entrypoints.subscriptions); the gateway publishes every user at its start, so the copy fills at once.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import servicekit.staff as staff
from sqlalchemy.orm import Session

from customer.domain.errors import InvalidFields

OWNERS = ("owner", "deputy_owner")


def check_owners(session: Session, wanted: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> None:
    """422 naming `owner` / `deputy_owner` unless each one `wanted` names is an active user who works in the
    customer's store. On an edit (`current` given) only what changes is checked — a new owner, or the same
    owner for a customer moved to another store — so an edit of anything else never fails on an owner who has
    left since."""
    store_id = wanted.get("store_id")
    moved = current is not None and current.get("store_id") != store_id
    for field in OWNERS:
        username = wanted.get(field)
        if username is None or (current is not None and not moved and current.get(field) == username):
            continue
        staff.check_assignee(session, username, store_id, field, InvalidFields.one)


def allowed_successors(session: Session, successors: Sequence[str],
                       customers: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """{customer id: the successors who may take that customer over} — active users who work in its store —
    422 naming `to_owners` for a successor who is unknown or inactive, and
    for a customer whose store none of them works in (nothing is handed to someone of another store)."""
    users: dict[str, Any] = {}
    for username in successors:
        user = staff.find(session, username)
        if user is None or not user.active:  # the kit's words for an unknown or inactive user
            staff.check_assignee(session, username, None, "to_owners", InvalidFields.one)
        if user is None:  # check_assignee refused it above
            continue
        users[username] = user
    allowed = {}
    for customer in customers:
        allowed[customer["id"]] = [name for name in successors if users[name].may_work_in(customer["store_id"])]
        if not allowed[customer["id"]]:
            store = customer["store_id"]
            raise InvalidFields.one("to_owners", (
                f"{'、'.join(successors)} 都不在门店 {store} 工作，无法接手该门店的客户 "
                f"(none of {', '.join(successors)} works in store {store}, where customer {customer['id']} "
                "belongs; name a consultant of that store too)."))
    return allowed

