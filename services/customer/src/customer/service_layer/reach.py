"""Use case: the customers a request names, each with the record served for it (its survivor when merged)."""
from __future__ import annotations

from typing import Any, NamedTuple

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.customers import CustomerRepository


class Reached(NamedTuple):
    """A customer a request names, and the record served for it (its survivor when it was merged)."""

    asked: Any
    served: Any


def _survivor(repo: CustomerRepository, row: Any) -> Any:
    """The record a merged customer stands for: its survivor, or the survivor's, ... (the row itself if live)."""
    seen = {row.id}
    while row.merged_into is not None:
        survivor = repo.reach_of(row.merged_into)
        if survivor is None or survivor.id in seen:
            break
        seen.add(survivor.id)
        row = survivor
    return row


def reached(sessions: sessionmaker[Session], customer_ids: list[str]) -> list[Reached]:
    """The named customers that exist (id, store, erased_at, merged_into) and the record served for each."""
    with unit_of_work(sessions) as session:
        repo = CustomerRepository(session)
        return [Reached(row, _survivor(repo, row)) for row in repo.reach(customer_ids)]
