"""Opt-outs: a customer who wants no messages on a channel (kept once; notifications on it are skipped), and
taking one back."""
from __future__ import annotations

from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from reminder.adapters.clock import now
from reminder.adapters.customer_copy import CustomerCopy, Scope
from reminder.adapters.opt_outs import OptOutRepository
from reminder.domain.errors import InvalidFields, NotFound
from reminder.service_layer.queries import guard
from reminder.service_layer.views import opt_out_dict


def opt_out(sessions: sessionmaker[Session], customer_id: str, channel: str, actor: str,
            scope: Scope) -> dict[str, Any]:
    """Record that the customer (known here, of the caller's stores) wants no messages on `channel`."""
    with unit_of_work(sessions) as session:
        if CustomerCopy(session).get(customer_id) is None:
            raise InvalidFields.one("customer_id", f"No customer {customer_id} is known here.")
        guard(session, customer_id, scope)
        repository = OptOutRepository(session)
        if repository.get(customer_id, channel) is None:
            repository.add(customer_id, channel, now(), actor)
        return opt_out_dict(repository.get(customer_id, channel))


def opt_in_again(sessions: sessionmaker[Session], customer_id: str, channel: str, scope: Scope) -> None:
    """Remove an opt-out (NotFound when there is none)."""
    with unit_of_work(sessions) as session:
        guard(session, customer_id, scope)
        if not OptOutRepository(session).remove(customer_id, channel):
            raise NotFound("opt-out", f"{customer_id}/{channel}")
