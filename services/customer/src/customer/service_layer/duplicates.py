"""Use cases: the likely duplicates of one customer, and the likely duplicate pairs of the whole archive."""
from __future__ import annotations

from typing import Any

from servicekit.db import unit_of_work
from servicekit.pages import Page, offset
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.customers import CustomerRepository
from customer.adapters.duplicates import candidate_pairs, candidates_of, plates_of
from customer.domain.duplicates import likeness
from customer.domain.errors import NotFound


def duplicates_of(sessions: sessionmaker[Session], customer_id: str, min_score: float,
                  stores: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """The customers that are likely the same person as `customer_id`, most likely first."""
    with unit_of_work(sessions) as session:
        repo = CustomerRepository(session)
        customer = repo.get(customer_id)
        if customer is None or customer.get("merged_into"):
            raise NotFound("customer", customer_id)
        plates = plates_of(session, [customer_id]).get(customer_id, set())
        others = repo.many(sorted(candidates_of(session, customer, plates, stores)))
        their_plates = plates_of(session, [other["id"] for other in others])
    found = []
    for other in others:
        alike = likeness(customer, other, len(plates & their_plates.get(other["id"], set())))
        if alike.score >= min_score:
            found.append({"customer": other, "score": alike.score, "reasons": list(alike.reasons)})
    return sorted(found, key=lambda item: (-item["score"], item["customer"]["id"]))


def likely_duplicates(sessions: sessionmaker[Session], min_score: float, page: int, page_size: int,
                      stores: frozenset[str] | None = None) -> Page:
    """One page of the pairs of customers likely to be one person, most likely first."""
    with unit_of_work(sessions) as session:
        pairs = set(candidate_pairs(session, stores))
        ids = sorted({customer_id for pair in pairs for customer_id in pair})
        records = {customer["id"]: customer for customer in CustomerRepository(session).many(ids)}
        plates = plates_of(session, ids)
    scored: list[dict[str, Any]] = []
    for first, second in pairs:
        alike = likeness(records[first], records[second],
                         len(plates.get(first, set()) & plates.get(second, set())))
        if alike.score >= min_score:
            scored.append({"customers": [records[first], records[second]], "score": alike.score,
                           "reasons": list(alike.reasons)})
    scored.sort(key=lambda item: (-item["score"], [c["id"] for c in item["customers"]]))
    start = offset(page, page_size)
    return Page(scored[start:start + page_size], len(scored), page, page_size)
