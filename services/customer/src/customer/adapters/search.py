"""Customer search as SQL: every filter an equality or a range on an indexed column.

A name (or the free-text `q`) is looked up in customer_search_keys, where "contains" is "a key starts
with" (customer.domain.pinyin); each way a customer matches gets a rank, and the best rank orders the
results: 0 exact (the whole name, the whole phone number, the plate, the VIN), 1 the name starts with
it or its pinyin/initials are it, or a phone or a plate ends with it, or it is a VIN's last six characters,
2 the pinyin starts with it, 3 anywhere else in the name. A plate's end is a range of its reversed key, a
VIN's last six an equality, each on an index of its own (migration 0012). Ties go newest first (then the
larger id first). Merged customers (tombstones) and erased ones are never found.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from customer.adapters.search_functions import VinTail, after_prefix, plate_end_values, plate_ends_with
from customer.adapters.tables import (
    assets,
    customer_phones,
    customer_search_keys,
    customer_tags,
    customers,
)
from customer.domain.pinyin import INITIALS, NAME, PINYIN
from customer.domain.search import Filters

KEYS = customer_search_keys


def _key_starts_with(term: str) -> ColumnElement[bool]:
    return and_(KEYS.c.key >= term, KEYS.c.key < after_prefix(term))


def _name_hits(term: str) -> list[Select]:
    rank = case((and_(KEYS.c.position == 0, KEYS.c.key == term), case((KEYS.c.kind == NAME, 0), else_=1)),
                (KEYS.c.position == 0, case((KEYS.c.kind == NAME, 1), else_=2)),
                else_=3)
    hits = select(KEYS.c.customer_id.label("customer_id"), rank.label("rank")).where(_key_starts_with(term))
    # one range of each index on the keys: those of each kind at the start of the name, and those inside it
    return [*(hits.where(KEYS.c.kind == kind, KEYS.c.position == 0) for kind in (NAME, PINYIN, INITIALS)),
            hits.where(KEYS.c.position > 0)]


def _phone_range(suffix: str) -> ColumnElement[bool]:
    # "ends with 8000" == reversed digits start with "0008": a range scan on the reversed-digits index
    prefix = suffix[::-1]
    return and_(customer_phones.c.digits_reversed >= prefix, customer_phones.c.digits_reversed < after_prefix(prefix))


def _phone_hits(suffix: str, whole: str | None) -> Select:
    rank = case((customer_phones.c.digits_reversed == whole[::-1], 0), else_=1) if whole else literal(1)
    return select(customer_phones.c.customer_id.label("customer_id"), rank.label("rank")).where(_phone_range(suffix))


def _asset_hits(condition: ColumnElement[bool], rank: int = 0) -> Select:
    return select(assets.c.customer_id.label("customer_id"), literal(rank).label("rank")).where(condition)


def _ranked_hits(filters: Filters):
    """(customer_id, best rank) of every customer the name or `q` finds; None when neither is given."""
    if filters.q:
        terms = filters.q
        parts = _name_hits(terms.name)
        if terms.phone_suffix:
            parts.append(_phone_hits(terms.phone_suffix, terms.whole_phone))
        if terms.plate:
            parts.append(_asset_hits(assets.c.plate_key == terms.plate))
        if terms.vin:
            parts.append(_asset_hits(assets.c.vin == terms.vin))
        if terms.plate_end:
            parts.append(_asset_hits(plate_ends_with(*map(literal, plate_end_values(terms.plate_end))), 1))
        if terms.vin_tail:
            parts.append(_asset_hits(VinTail(assets.c.vin) == terms.vin_tail, 1))
    elif filters.name:
        parts = _name_hits(filters.name)
    else:
        return None
    hits = union_all(*parts).subquery("hits")
    return (select(hits.c.customer_id, func.min(hits.c.rank).label("rank"))
            .group_by(hits.c.customer_id).subquery("ranked"))


def _of_customer(*condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS a row of the customer's with `condition`. Correlated with the customers table alone: a search
    whose hits come from the same table (a `q` matching phones, plates or names) would otherwise correlate
    that table away too, and the subquery would have nothing to read from."""
    return exists().where(*condition).correlate(customers)


def _has_asset(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return _of_customer(assets.c.customer_id == customers.c.id, condition)


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def exact_filters(filters: Filters) -> dict[str, Any]:
    """The filters that a customer's column equals: a text when given, a flag when not None."""
    texts = {column: getattr(filters, column) for column in ("owner", "kind", "stage", "store_id", "tier",
                                                              "intent_grade") if getattr(filters, column)}
    return {**texts, **{flag: getattr(filters, flag) for flag in ("key_customer", "blacklisted")
                        if getattr(filters, flag) is not None}}


def conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `filters` besides the ranked name or `q` (all must hold)."""
    # merged customers (tombstones) and erased ones are never found
    where: list[ColumnElement[bool]] = [customers.c.merged_into.is_(None), customers.c.erased_at.is_(None)]
    if filters.name and filters.q:  # q ranks; the name only narrows
        where.append(_of_customer(KEYS.c.customer_id == customers.c.id, _key_starts_with(filters.name)))
    if filters.phone_suffix:
        where.append(_of_customer(customer_phones.c.customer_id == customers.c.id,
                                  _phone_range(filters.phone_suffix)))
    if filters.plate:  # the plate, or its end
        where.append(_has_asset(plate_ends_with(*map(literal, plate_end_values(filters.plate)))))
    if filters.vin:
        where.append(_has_asset(assets.c.vin == filters.vin))
    if filters.vin_tail:
        where.append(_has_asset(VinTail(assets.c.vin) == filters.vin_tail))
    if filters.stores is not None:
        where.append(customers.c.store_id.in_(sorted(filters.stores)))
    for column, value in exact_filters(filters).items():
        where.append(customers.c[column].is_(value) if isinstance(value, bool) else customers.c[column] == value)
    if filters.tag:
        where.append(_of_customer(customer_tags.c.customer_id == customers.c.id, customer_tags.c.tag == filters.tag))
    if filters.created_from:
        where.append(customers.c.created_at >= _start_of(filters.created_from))
    if filters.created_to:  # inclusive: the whole day of created_to
        where.append(customers.c.created_at < _start_of(filters.created_to + timedelta(days=1)))
    return where


def matching(filters: Filters) -> tuple[Select, Select]:
    """(the ids of every matching customer, best first; the count of them) as queries (exports read all)."""
    ranked = _ranked_hits(filters)
    where = and_(*conditions(filters))
    if ranked is None:
        ids = select(customers.c.id).where(where).order_by(customers.c.created_at.desc(), customers.c.id)
        count = select(func.count()).select_from(customers).where(where)
    else:
        joined = customers.join(ranked, ranked.c.customer_id == customers.c.id)
        ids = (select(customers.c.id).select_from(joined).where(where)
               .order_by(ranked.c.rank, customers.c.created_at.desc(), customers.c.id.desc()))
        count = select(func.count()).select_from(joined).where(where)
    return ids, count


def matching_id_batches(session: Session, filters: Filters, size: int) -> Iterator[list[str]]:
    """The ids of every matching customer, best first, read from a server-side cursor `size` at a time."""
    ids, _ = matching(filters)
    result = session.execute(ids.execution_options(yield_per=size))
    for batch in result.scalars().partitions():
        yield list(batch)
