"""Customer search as SQL: every filter an equality or a range on an indexed column.

A name (or the free-text `q`) is looked up in customer_search_keys, where "contains" is "a key starts
with" (customer.domain.pinyin); each way a customer matches gets a rank, and the best rank orders the
results: 0 exact (the whole name, the whole phone number, the plate, the VIN), 1 the name starts with
it or its pinyin/initials are it, or a phone ends with it, 2 the pinyin starts with it, 3 anywhere else
in the name. Ties go newest first. Merged customers (tombstones) are never listed.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, select, union_all
from sqlalchemy.orm import Session

from customer.adapters.tables import assets, customer_phones, customer_search_keys, customer_tags, customers
from customer.domain.pinyin import NAME
from customer.domain.search import Filters

_keys = customer_search_keys


def _after(prefix: str) -> str:
    """The first string after every string starting with `prefix` (byte order: C collation, SQLite)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _key_starts_with(term: str) -> ColumnElement[bool]:
    return and_(_keys.c.key >= term, _keys.c.key < _after(term))


def _name_hits(term: str) -> Select:
    rank = case((and_(_keys.c.position == 0, _keys.c.key == term), case((_keys.c.kind == NAME, 0), else_=1)),
                (_keys.c.position == 0, case((_keys.c.kind == NAME, 1), else_=2)),
                else_=3)
    return select(_keys.c.customer_id.label("customer_id"), rank.label("rank")).where(_key_starts_with(term))


def _phone_range(suffix: str) -> ColumnElement[bool]:
    # "ends with 8000" == reversed digits start with "0008": a range scan on the reversed-digits index
    prefix = suffix[::-1]
    return and_(customer_phones.c.digits_reversed >= prefix, customer_phones.c.digits_reversed < _after(prefix))


def _phone_hits(suffix: str, whole: str | None) -> Select:
    rank = case((customer_phones.c.digits_reversed == whole[::-1], 0), else_=1) if whole else literal(1)
    return select(customer_phones.c.customer_id.label("customer_id"), rank.label("rank")).where(_phone_range(suffix))


def _asset_hits(condition: ColumnElement[bool]) -> Select:
    return select(assets.c.customer_id.label("customer_id"), literal(0).label("rank")).where(condition)


def _ranked_hits(filters: Filters):
    """(customer_id, best rank) of every customer the name or `q` finds; None when neither is given."""
    if filters.q:
        terms = filters.q
        parts = [_name_hits(terms.name)]
        if terms.phone_suffix:
            parts.append(_phone_hits(terms.phone_suffix, terms.whole_phone))
        if terms.plate:
            parts.append(_asset_hits(assets.c.plate_key == terms.plate))
        if terms.vin:
            parts.append(_asset_hits(assets.c.vin == terms.vin))
    elif filters.name:
        parts = [_name_hits(filters.name)]
    else:
        return None
    hits = union_all(*parts).subquery("hits")
    return (select(hits.c.customer_id, func.min(hits.c.rank).label("rank"))
            .group_by(hits.c.customer_id).subquery("ranked"))


def _has_asset(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(assets.c.customer_id == customers.c.id, condition)


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `filters` besides the ranked name or `q` (all must hold)."""
    where: list[ColumnElement[bool]] = [customers.c.merged_into.is_(None)]
    if filters.name and filters.q:  # q ranks; the name only narrows
        where.append(exists().where(_keys.c.customer_id == customers.c.id, _key_starts_with(filters.name)))
    if filters.phone_suffix:
        where.append(exists().where(customer_phones.c.customer_id == customers.c.id,
                                    _phone_range(filters.phone_suffix)))
    if filters.plate:
        where.append(_has_asset(assets.c.plate_key == filters.plate))
    if filters.vin:
        where.append(_has_asset(assets.c.vin == filters.vin))
    if filters.stores is not None:
        where.append(customers.c.store_id.in_(sorted(filters.stores)))
    for column in ("owner", "kind", "stage", "store_id", "tier", "intent_grade"):
        if getattr(filters, column):
            where.append(customers.c[column] == getattr(filters, column))
    for flag in ("key_customer", "blacklisted"):
        if getattr(filters, flag) is not None:
            where.append(customers.c[flag].is_(getattr(filters, flag)))
    if filters.tag:
        where.append(exists().where(customer_tags.c.customer_id == customers.c.id, customer_tags.c.tag == filters.tag))
    if filters.created_from:
        where.append(customers.c.created_at >= _start_of(filters.created_from))
    if filters.created_to:  # inclusive: the whole day of created_to
        where.append(customers.c.created_at < _start_of(filters.created_to + timedelta(days=1)))
    return where


def matching(filters: Filters) -> tuple[Select, Select]:
    """(the ids of every matching customer, best first; the count of them) as queries."""
    ranked = _ranked_hits(filters)
    where = and_(*conditions(filters))
    if ranked is None:
        ids = select(customers.c.id).where(where).order_by(customers.c.created_at.desc(), customers.c.id)
        count = select(func.count()).select_from(customers).where(where)
    else:
        joined = customers.join(ranked, ranked.c.customer_id == customers.c.id)
        ids = (select(customers.c.id).select_from(joined).where(where)
               .order_by(ranked.c.rank, customers.c.created_at.desc(), customers.c.id))
        count = select(func.count()).select_from(joined).where(where)
    return ids, count


def search_ids(session: Session, filters: Filters, offset: int, limit: int) -> tuple[list[str], int]:
    """Ids of one page of matching customers (best first) and how many match in all."""
    ids, count = matching(filters)
    if filters.q is None and filters.name is None:  # newest first: an index scan stops after the page
        total = session.execute(count).scalar_one()
        return list(session.execute(ids.offset(offset).limit(limit)).scalars()), total
    # ranked: the hits are gathered and sorted anyway, so they are counted in the same pass
    rows = session.execute(ids.add_columns(func.count().over()).offset(offset).limit(limit)).all()
    if rows:
        return [row[0] for row in rows], rows[0][1]
    return [], session.execute(count).scalar_one() if offset else 0
