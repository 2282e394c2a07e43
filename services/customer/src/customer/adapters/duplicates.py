"""Finding candidate duplicates with indexed lookups: same email, same plate, same name or same pinyin."""
from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from customer.adapters.tables import assets, customer_search_keys, customers
from customer.domain.duplicates import email_key
from customer.domain.pinyin import KEY_LENGTH, NAME, PINYIN, fold, syllables

#: A group larger than this (a common name, a fleet plate) says nothing about any two of its members.
MAX_GROUP = 20
_LIVE = customers.c.merged_into.is_(None)
_keys = customer_search_keys


def _in_scope(stores: frozenset[str] | None) -> ColumnElement[bool]:
    return and_(_LIVE, customers.c.store_id.in_(sorted(stores))) if stores is not None else _LIVE


def plates_of(session: Session, customer_ids: list[str]) -> dict[str, set[str]]:
    """{customer id: the plates (as compared) of its vehicles}."""
    plates: dict[str, set[str]] = {}
    for customer_id, plate in session.execute(select(assets.c.customer_id, assets.c.plate_key).where(
            assets.c.customer_id.in_(customer_ids), assets.c.plate_key.is_not(None))):
        plates.setdefault(customer_id, set()).add(plate)
    return plates


def candidates_of(session: Session, customer: dict[str, Any], plates: set[str],
                  stores: frozenset[str] | None) -> set[str]:
    """Ids of the live customers sharing the email, a plate, the name or its pinyin with `customer`."""
    found: set[str] = set()
    scope = _in_scope(stores)
    email = email_key(customer.get("email"))
    if email:
        found.update(session.execute(select(customers.c.id).where(
            func.lower(customers.c.email) == email, scope).limit(MAX_GROUP)).scalars())
    if plates:
        found.update(session.execute(
            select(assets.c.customer_id).join(customers, customers.c.id == assets.c.customer_id)
            .where(assets.c.plate_key.in_(sorted(plates)), scope).limit(MAX_GROUP)).scalars())
    for kind, key in ((NAME, fold(customer["name"])), (PINYIN, "".join(syllables(customer["name"])))):
        if key:
            found.update(session.execute(
                select(_keys.c.customer_id).join(customers, customers.c.id == _keys.c.customer_id)
                .where(_keys.c.key == key[:KEY_LENGTH], _keys.c.kind == kind, _keys.c.position == 0, scope)
                .limit(MAX_GROUP)).scalars())
    found.discard(customer["id"])
    return found


def candidate_pairs(session: Session, stores: frozenset[str] | None) -> Iterator[tuple[str, str]]:
    """Every pair of live customers in one small group of the same email, plate, name or pinyin."""
    scope = _in_scope(stores)
    groups = [
        select(func.lower(customers.c.email), customers.c.id).where(customers.c.email.is_not(None), scope),
        select(assets.c.plate_key, assets.c.customer_id).join(customers, customers.c.id == assets.c.customer_id)
        .where(assets.c.plate_key.is_not(None), scope),
        *(select(_keys.c.key, _keys.c.customer_id).join(customers, customers.c.id == _keys.c.customer_id)
          .where(_keys.c.kind == kind, _keys.c.position == 0, scope) for kind in (NAME, PINYIN)),
    ]
    for query in groups:
        rows = query.subquery()
        key, member = rows.c[0], rows.c[1]
        shared = select(key).group_by(key).having(func.count(func.distinct(member)).between(2, MAX_GROUP)).subquery()
        members: dict[str, list[str]] = {}
        for value, customer_id in session.execute(select(key, member).where(key.in_(select(shared.c[0])))
                                                  .order_by(key, member)):
            members.setdefault(value, []).append(customer_id)
        for ids in members.values():
            yield from combinations(sorted(set(ids)), 2)
