"""Customer search as SQL: every filter an equality or a range on an indexed column.

A name (or the free-text `q`) is looked up in customer_search_keys, where "contains" is "a key starts
with" (customer.domain.pinyin); each way a customer matches gets a rank, and the best rank orders the
results: 0 exact (the whole name, the whole phone number, the plate, the VIN), 1 the name starts with
it or its pinyin/initials are it, or a phone ends with it, 2 the pinyin starts with it, 3 anywhere else
in the name. Ties go newest first (then the larger id first). Merged customers (tombstones) and erased
ones are never found.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, select, union_all
from sqlalchemy.orm import Session

from customer.adapters.tables import assets, customer_phones, customer_search_keys, customer_tags, customers
from customer.domain.pinyin import NAME
from customer.domain.search import COUNT_LIMIT, Filters, Total

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
    # merged customers (tombstones) and erased ones are never found
    where: list[ColumnElement[bool]] = [customers.c.merged_into.is_(None), customers.c.erased_at.is_(None)]
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


# --- one page ------------------------------------------------------------------------------------------------
#
# A broad term ("zs", a common given name) finds a large part of the archive; gathering, ranking and
# counting every hit for one page of 50 is what made it slow. A page is read instead from each way of
# matching (a "part": exact name, exact pinyin or initials, name or pinyin starting with it, anywhere in the
# name, a phone, a plate, a VIN), each part newest first and at most offset + limit customers long; the
# parts are then merged by (rank, newest first). That is exact: a customer in the first n of the whole
# order is in the first n of the part it ranks best by, since whoever precedes it in that part precedes it
# in the whole order. First each part is counted, no further than COUNT_LIMIT (the total is then a lower
# bound); a part with more hits than that is read newest first from an index that holds the key (its hits
# are dense there), a smaller one is gathered through the key index and sorted.
#
# Without filters a key needs no look-up of its customer: erased customers have no keys (they are removed
# at erasure) and the few merged ones are left out as a set.

_NAME_START = (_keys.c.kind == NAME, _keys.c.position == 0)
_SOUND_START = (_keys.c.kind != NAME, _keys.c.position == 0)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class Part(NamedTuple):
    """One way of matching: its rank, its hits as (customer_id, created_at), and the same hits as a query
    that can only be answered by reading newest first (for a broad part: the key range written so that no
    index on the key serves it, whereas the index of the part's rank, which holds the key, reads in order)."""

    rank: int
    hits: Select
    in_order: Select


def _key_parts(term: str, narrow: Callable[[Select], Select]) -> list[Part]:
    """The parts of the name keys; pinyin and initials have no Chinese characters, so such a term skips them."""
    exact = _keys.c.key == term
    prefix = func.substr(_keys.c.key, 1, len(term)) == term  # the same as a range, but no index on key serves it
    longer, longer_in_order = (_keys.c.key > term, _keys.c.key < _after(term)), (prefix, _keys.c.key != term)
    sounds = not _CJK.search(term)
    specs = [(0, (*_NAME_START, exact), (*_NAME_START, exact)),
             (1, (*_SOUND_START, exact), (*_SOUND_START, exact)) if sounds else None,
             (1, (*_NAME_START, *longer), (*_NAME_START, *longer_in_order)),
             (2, (*_SOUND_START, *longer), (*_SOUND_START, *longer_in_order)) if sounds else None,
             (3, (_keys.c.position > 0, _key_starts_with(term)), (_keys.c.position > 0, prefix))]
    keys = select(_keys.c.customer_id, _keys.c.created_at)
    return [Part(rank, narrow(keys.where(*hits)), narrow(keys.where(*in_order)))
            for rank, hits, in_order in filter(None, specs)]


def _only_live(filters: Filters) -> bool:
    """True when the search has no filter but the name or `q` (beyond leaving out merged and erased)."""
    return len(conditions(filters)) == 2 and filters.stores is None


def _parts(filters: Filters) -> list[Part]:
    """Every part of a name or `q` search, filters applied."""
    where = conditions(filters)
    term = filters.q.name if filters.q else filters.name
    assert term is not None
    if _only_live(filters):
        merged = select(customers.c.id).where(customers.c.merged_into.is_not(None))
        parts = _key_parts(term, lambda keys: keys.where(_keys.c.customer_id.not_in(merged)))
    else:
        parts = _key_parts(term, lambda keys: keys.join(customers, customers.c.id == _keys.c.customer_id)
                           .where(*where))

    def of(rank: int, table, condition: ColumnElement[bool]) -> Part:
        hits = (select(customers.c.id.label("customer_id"), customers.c.created_at)
                .join(table, table.c.customer_id == customers.c.id).where(condition, *where))
        return Part(rank, hits, hits)

    terms = filters.q
    if terms is not None and terms.phone_suffix:
        if terms.whole_phone:
            parts.append(of(0, customer_phones, customer_phones.c.digits_reversed == terms.whole_phone[::-1]))
        parts.append(of(1, customer_phones, _phone_range(terms.phone_suffix)))
    if terms is not None and terms.plate:
        parts.append(of(0, assets, assets.c.plate_key == terms.plate))
    if terms is not None and terms.vin:
        parts.append(of(0, assets, assets.c.vin == terms.vin))
    return parts


def _found(session: Session, parts: list[Part]) -> tuple[list[int], int]:
    """(hits of each part, up to COUNT_LIMIT + 1; distinct customers among them) in one query."""
    firsts = []
    for index, part in enumerate(parts):
        first = part.hits.with_only_columns(part.hits.selected_columns.customer_id).limit(COUNT_LIMIT + 1)
        firsts.append(select(literal(index).label("part"), first.subquery().c.customer_id))
    hits = union_all(*firsts).cte("hits")
    customers_found = select(hits.c.customer_id).group_by(hits.c.customer_id).subquery()
    distinct = select(func.count()).select_from(customers_found).scalar_subquery()
    rows = session.execute(select(hits.c.part, func.count(), distinct).group_by(hits.c.part)).all()
    counts = [0] * len(parts)
    for index, found, _ in rows:
        counts[index] = found
    return counts, rows[0][2] if rows else 0


def _first(part: Part, broad: bool, count: int) -> Select:
    """The first `count` customers of a part, newest first (ties: the larger id first)."""
    if broad:  # hits are dense in the index of the part's rank: reading it newest first soon finds `count`
        columns = part.in_order.selected_columns
        return part.in_order.distinct().order_by(columns.created_at.desc(), columns.customer_id.desc()).limit(count)
    # few hits: gathered through the key index, then sorted (OFFSET 0 keeps PostgreSQL from reading in order)
    gathered = part.hits.offset(0).subquery()
    return (select(gathered.c.customer_id, gathered.c.created_at).distinct()
            .order_by(gathered.c.created_at.desc(), gathered.c.customer_id.desc()).limit(count))


def _page(parts: list[Part], counts: list[int], offset: int, limit: int) -> Select | None:
    """One page of the merged parts: best rank, then newest first (ties: the larger id first)."""
    firsts = []
    for part, found in zip(parts, counts, strict=True):
        if found:
            first = _first(part, found > COUNT_LIMIT, offset + limit).subquery()
            firsts.append(select(first.c.customer_id, first.c.created_at, literal(part.rank).label("rank")))
    if not firsts:
        return None
    hits = union_all(*firsts).subquery("hits")
    return (select(hits.c.customer_id).group_by(hits.c.customer_id, hits.c.created_at)
            .order_by(func.min(hits.c.rank), hits.c.created_at.desc(), hits.c.customer_id.desc())
            .offset(offset).limit(limit))


def search_ids(session: Session, filters: Filters, offset: int, limit: int) -> tuple[list[str], Total]:
    """Ids of one page of matching customers (best first) and how many match, counted up to COUNT_LIMIT."""
    where = and_(*conditions(filters))
    if filters.q is None and filters.name is None:  # newest first: an index scan stops after the page
        ids = select(customers.c.id).where(where).order_by(customers.c.created_at.desc(), customers.c.id)
        found = session.execute(select(func.count()).select_from(
            select(customers.c.id).where(where).limit(COUNT_LIMIT + 1).subquery())).scalar_one()
        total = Total(min(found, COUNT_LIMIT), is_lower_bound=found > COUNT_LIMIT)
        return list(session.execute(ids.offset(offset).limit(limit)).scalars()), total
    parts = _parts(filters)
    counts, distinct = _found(session, parts)
    broad = max(counts) > COUNT_LIMIT
    total = Total(min(distinct, COUNT_LIMIT), is_lower_bound=True) if broad else Total(distinct)
    page = _page(parts, counts, offset, limit)
    return (list(session.execute(page).scalars()) if page is not None else []), total
