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

import functools
import operator
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from customer.adapters.tables import (
    KEY_CARRIES,
    assets,
    customer_phones,
    customer_search_keys,
    customer_tags,
    customers,
)
from customer.domain.pinyin import INITIALS, NAME, PINYIN
from customer.domain.search import COUNT_LIMIT, Filters, Total

_keys = customer_search_keys


class _EndsWith(FunctionElement):
    """`ends_with(text, term, reversed term, first string after the reversed term)`: on PostgreSQL a range of
    reverse(text) in byte order, which the index ix_assets_plate_key_reversed reads; elsewhere a comparison of
    the text's end (SQLite has no reverse())."""

    type = Boolean()
    name = "ends_with"
    inherit_cache = True


@compiles(_EndsWith)
def _ends_with(element: _EndsWith, compiler: Any, **kw: Any) -> str:
    text, term, _, _ = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(substr({text}, -length({term})) = {term})"


@compiles(_EndsWith, "postgresql")
def _ends_with_postgresql(element: _EndsWith, compiler: Any, **kw: Any) -> str:
    text, _, first, after = (compiler.process(clause, **kw) for clause in element.clauses)
    reversed_text = f'reverse({text}) COLLATE "C"'
    return f"({reversed_text} >= {first} AND {reversed_text} < {after})"


class _VinTail(FunctionElement):
    """The last six characters of a VIN, written as the index ix_assets_vin_tail is (migration 0012)."""

    type = String()
    name = "vin_tail"
    inherit_cache = True


@compiles(_VinTail)
def _vin_tail(element: _VinTail, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, -6)"


@compiles(_VinTail, "postgresql")
def _vin_tail_postgresql(element: _VinTail, compiler: Any, **kw: Any) -> str:
    return f"right({compiler.process(element.clauses, **kw)}, 6)"


def _plate_ends_with(term: Any, first: Any, after: Any) -> ColumnElement[bool]:
    return _EndsWith(assets.c.plate_key, term, first, after)


def _plate_end_values(term: str) -> tuple[str, str, str]:
    """(the end, reversed, the first string after every one starting with it reversed) for _plate_ends_with."""
    return term, term[::-1], _after(term[::-1])


def _after(prefix: str) -> str:
    """The first string after every string starting with `prefix` (byte order: C collation, SQLite)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _key_starts_with(term: str) -> ColumnElement[bool]:
    return and_(_keys.c.key >= term, _keys.c.key < _after(term))


def _name_hits(term: str) -> list[Select]:
    rank = case((and_(_keys.c.position == 0, _keys.c.key == term), case((_keys.c.kind == NAME, 0), else_=1)),
                (_keys.c.position == 0, case((_keys.c.kind == NAME, 1), else_=2)),
                else_=3)
    hits = select(_keys.c.customer_id.label("customer_id"), rank.label("rank")).where(_key_starts_with(term))
    # one range of each index on the keys: those of each kind at the start of the name, and those inside it
    return [*(hits.where(_keys.c.kind == kind, _keys.c.position == 0) for kind in (NAME, PINYIN, INITIALS)),
            hits.where(_keys.c.position > 0)]


def _phone_range(suffix: str) -> ColumnElement[bool]:
    # "ends with 8000" == reversed digits start with "0008": a range scan on the reversed-digits index
    prefix = suffix[::-1]
    return and_(customer_phones.c.digits_reversed >= prefix, customer_phones.c.digits_reversed < _after(prefix))


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
            parts.append(_asset_hits(_plate_ends_with(*map(literal, _plate_end_values(terms.plate_end))), 1))
        if terms.vin_tail:
            parts.append(_asset_hits(_VinTail(assets.c.vin) == terms.vin_tail, 1))
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


def _exact(filters: Filters) -> dict[str, Any]:
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
        where.append(_of_customer(_keys.c.customer_id == customers.c.id, _key_starts_with(filters.name)))
    if filters.phone_suffix:
        where.append(_of_customer(customer_phones.c.customer_id == customers.c.id,
                                  _phone_range(filters.phone_suffix)))
    if filters.plate:  # the plate, or its end
        where.append(_has_asset(_plate_ends_with(*map(literal, _plate_end_values(filters.plate)))))
    if filters.vin:
        where.append(_has_asset(assets.c.vin == filters.vin))
    if filters.vin_tail:
        where.append(_has_asset(_VinTail(assets.c.vin) == filters.vin_tail))
    if filters.stores is not None:
        where.append(customers.c.store_id.in_(sorted(filters.stores)))
    for column, value in _exact(filters).items():
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


# --- one page ------------------------------------------------------------------------------------------------
#
# A broad term ("zs", a common given name) finds a large part of the archive; gathering, ranking and
# counting every hit for one page of 50 is what made it slow. A page is read instead from each way of
# matching (a "part": the exact name, pinyin or initials; the name, pinyin or initials starting with it;
# anywhere in the name; a phone, a plate, a VIN), each part newest first and at most offset + limit
# customers long; the parts are then merged by (rank, newest first). That is exact: a customer in the
# first n of the whole order is in the first n of the part it ranks best by, since whoever precedes it in
# that part precedes it in the whole order. First each part is counted, no further than COUNT_LIMIT (the
# total is then a lower bound); a part with more hits than that is read newest first from an index that
# holds the key (its hits are dense there), a smaller one is gathered through a key index and sorted.
#
# A customer has one key of each kind at the start of its name, so the parts of one kind there find as
# many customers as they have hits. That settles two things without reading further: when they find more
# than COUNT_LIMIT, the total is "at least COUNT_LIMIT" (no distinct count of every hit), and when those
# ranked up to some rank fill the page, no part ranked below it is read ("ly" is the initials of thousands
# of customers: their page is read from that part alone).
#
# Without filters a key needs no look-up of its customer: erased customers have no keys (they are removed
# at erasure), the few merged ones are left out as a set, and each key carries its customer's store
# (migration 0006), so a search limited to some stores needs none either.

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# What a search compares is bound, not written into its queries: the queries of a search without filters
# are then built once for each shape of search and reused (building and keying them cost more than the
# database's work for most terms).
_TERM: BindParameter[Any] = bindparam("term")
_TERM_AFTER: BindParameter[Any] = bindparam("term_after")
_TERM_LENGTH = bindparam("term_length", type_=Integer)
_CAP, _COUNT_LIMIT = bindparam("cap", type_=Integer), bindparam("count_limit", type_=Integer)
_DEPTH, _OFFSET, _LIMIT = (bindparam(name, type_=Integer) for name in ("depth", "offset", "limit"))


class Part(NamedTuple):
    """One way of matching: its rank, its hits as (customer_id, created_at), the same hits as a query that
    can only be answered by reading newest first (for a broad part: the key range written so that no index
    on the key serves it, whereas the index of the part's rank, which holds the key, reads in order), and
    for a part of the keys at the start of the name, their kind: a customer has one key of each kind there,
    so the hits of the parts of one kind are as many customers."""

    rank: int
    hits: Select
    in_order: Select
    kind: int | None = None


class Shape(NamedTuple):
    """The ways a term can match, which make its queries' shape (what it compares is bound apart)."""

    sounds: bool  # pinyin and initials
    whole_phone: bool
    phone_suffix: bool
    plate: bool
    vin: bool
    scoped: bool  # limited to some stores
    carried: tuple[str, ...]  # the filters on columns the keys carry (KEY_CARRIES)
    plate_end: bool = False  # a plate's end
    vin_tail: bool = False  # a VIN's last six characters


def _shape(filters: Filters) -> tuple[Shape, dict[str, Any]]:
    """The search's shape, and the values its queries bind."""
    terms = filters.q
    term = terms.name if terms else filters.name
    if term is None:  # search_ids lists a search with neither a free-text term nor a name without a shape
        raise ValueError("a search shape needs a name to look for")
    values: dict[str, Any] = {"term": term, "term_after": _after(term), "term_length": len(term),
                              "cap": COUNT_LIMIT + 1, "count_limit": COUNT_LIMIT}
    if terms is not None and terms.whole_phone:
        values["whole"] = terms.whole_phone[::-1]
    if terms is not None and terms.phone_suffix:
        values["suffix"] = terms.phone_suffix[::-1]
        values["suffix_after"] = _after(values["suffix"])
    if terms is not None:
        values.update({name: getattr(terms, name) for name in ("plate", "vin", "vin_tail") if getattr(terms, name)})
        if terms.plate_end:
            values["plate_end"], values["plate_end_reversed"], values["plate_end_after"] = \
                _plate_end_values(terms.plate_end)
    if filters.stores is not None:
        values["stores"] = sorted(filters.stores)
    carried = _carried(filters)
    values.update(carried)
    # pinyin and initials have no Chinese characters, and start with digits only when the name does
    sounds = not (_CJK.search(term) or term.isdigit())
    return Shape(sounds, "whole" in values, "suffix" in values, "plate" in values, "vin" in values,
                 "stores" in values, tuple(carried), "plate_end" in values, "vin_tail" in values), values


def _carried(filters: Filters) -> dict[str, Any]:
    """The filters on columns the keys carry."""
    return {name: value for name, value in _exact(filters).items() if name in KEY_CARRIES}


def _key_parts(sounds: bool, narrow: Callable[[Select], Select]) -> list[Part]:
    """The parts of the name keys."""
    exact = _keys.c.key == _TERM
    prefix = func.substr(_keys.c.key, 1, _TERM_LENGTH) == _TERM  # a range, but no index on key serves it
    longer, longer_in_order = (_keys.c.key > _TERM, _keys.c.key < _TERM_AFTER), (prefix, _keys.c.key != _TERM)
    at_start = [(kind, (_keys.c.kind == kind, _keys.c.position == 0))
                for kind in ((NAME, PINYIN, INITIALS) if sounds else (NAME,))]
    specs: list[tuple[int, tuple[Any, ...], tuple[Any, ...], int | None]]
    specs = [(0 if kind == NAME else 1, (*start, exact), (*start, exact), kind) for kind, start in at_start]
    specs += [(1 if kind == NAME else 2, (*start, *longer), (*start, *longer_in_order), kind)
              for kind, start in at_start]
    inside = (_keys.c.position > 0, _keys.c.key >= _TERM, _keys.c.key < _TERM_AFTER)
    specs.append((3, inside, (_keys.c.position > 0, prefix), None))
    keys = select(_keys.c.customer_id, _keys.c.created_at)
    return [Part(rank, narrow(keys.where(*hits)), narrow(keys.where(*in_order)), kind)
            for rank, hits, in_order, kind in specs]


def _keys_suffice(filters: Filters) -> bool:
    """True when the search has no filter but the name or `q`, the stores the caller may see and filters
    on columns the keys carry (beyond leaving out merged and erased customers): the keys then answer it
    without looking customers up."""
    return len(conditions(filters)) == 2 + (filters.stores is not None) + len(_carried(filters))


def _parts(shape: Shape, where: list[ColumnElement[bool]] | None) -> list[Part]:
    """Every part of a name or `q` search of this shape, with the filters `where` (None: none but the
    shape's stores)."""
    if where is None:
        merged = select(customers.c.id).where(customers.c.merged_into.is_not(None))
        stores: BindParameter[Any] = bindparam("stores", expanding=True)
        live = (_keys.c.customer_id.not_in(merged), *((_keys.c.store_id.in_(stores),) if shape.scoped else ()),
                *(_keys.c[name] == bindparam(name) for name in shape.carried))
        parts = _key_parts(shape.sounds, lambda keys: keys.where(*live))
        where = [*conditions(Filters()), *((customers.c.store_id.in_(stores),) if shape.scoped else ()),
                 *(customers.c[name] == bindparam(name) for name in shape.carried)]
    else:
        parts = _key_parts(shape.sounds, lambda keys: keys.join(customers, customers.c.id == _keys.c.customer_id)
                           .where(*where))

    def of(rank: int, table, *condition: ColumnElement[bool]) -> Part:
        hits = (select(customers.c.id.label("customer_id"), customers.c.created_at)
                .join(table, table.c.customer_id == customers.c.id).where(*condition, *where))
        return Part(rank, hits, hits)

    if shape.whole_phone:
        parts.append(of(0, customer_phones, customer_phones.c.digits_reversed == bindparam("whole")))
    if shape.phone_suffix:
        parts.append(of(1, customer_phones, customer_phones.c.digits_reversed >= bindparam("suffix"),
                        customer_phones.c.digits_reversed < bindparam("suffix_after")))
    if shape.plate:
        parts.append(of(0, assets, assets.c.plate_key == bindparam("plate")))
    if shape.vin:
        parts.append(of(0, assets, assets.c.vin == bindparam("vin")))
    if shape.plate_end:
        parts.append(of(1, assets, _plate_ends_with(bindparam("plate_end"), bindparam("plate_end_reversed"),
                                                    bindparam("plate_end_after"))))
    if shape.vin_tail:
        parts.append(of(1, assets, _VinTail(assets.c.vin) == bindparam("vin_tail")))
    return parts


def _customers_at_least(parts: Sequence[Part], counts: Sequence, rank: int = 3) -> list:
    """For each kind of key at the start of the name, the customers its parts up to `rank` found (the
    parts of one kind find different customers, one hit each): the total is at least the largest. The
    counts are numbers or SQL expressions (summed without a 0 to start from, which SQL would not need)."""
    by_kind: dict[int, list] = {}
    for part, count in zip(parts, counts, strict=True):
        if part.kind is not None and part.rank <= rank:
            by_kind.setdefault(part.kind, []).append(count)
    return [functools.reduce(operator.add, kind_counts) for kind_counts in by_kind.values()]


def _count(parts: Sequence[Part]) -> Select:
    """(part, hits up to COUNT_LIMIT + 1, and in every row: the distinct customers among them, or NULL when
    the parts of one kind of key already found more than COUNT_LIMIT, which makes the total a lower bound
    without counting them). The distinct count is the costly half for a broad term; it is left out when
    not needed, since PostgreSQL and SQLite evaluate the subqueries of a CASE lazily."""
    firsts = []
    for index, part in enumerate(parts):
        first = part.hits.with_only_columns(part.hits.selected_columns.customer_id).limit(_CAP)
        firsts.append(select(literal(index).label("part"), first.subquery().c.customer_id))
    hits = union_all(*firsts).cte("hits")
    found = select(hits.c.part, func.count().label("found")).group_by(hits.c.part).cte("found")
    of_part = [func.coalesce(select(found.c.found).where(found.c.part == index).scalar_subquery(), 0)
               for index in range(len(parts))]
    enough = or_(false(), *(count > _COUNT_LIMIT for count in _customers_at_least(parts, of_part)))
    distinct = select(func.count()).select_from(select(hits.c.customer_id).distinct().subquery()).scalar_subquery()
    return select(found.c.part, found.c.found, case((enough, None), else_=distinct))


def _first(part: Part, broad: bool) -> Select:
    """The first `depth` customers of a part, newest first (ties: the larger id first)."""
    if broad:  # hits are dense in the index of the part's rank: reading it newest first soon finds `depth`
        columns = part.in_order.selected_columns
        return part.in_order.distinct().order_by(columns.created_at.desc(), columns.customer_id.desc()).limit(_DEPTH)
    # few hits: gathered through a key index, then sorted (OFFSET 0 keeps PostgreSQL from reading in order)
    gathered = part.hits.offset(0).subquery()
    return (select(gathered.c.customer_id, gathered.c.created_at).distinct()
            .order_by(gathered.c.created_at.desc(), gathered.c.customer_id.desc()).limit(_DEPTH))


def _reads(parts: Sequence[Part], counts: list[int], depth: int) -> tuple[tuple[int, bool], ...]:
    """The parts a page `depth` deep reads, each (index, broad). When the customers ranked up to some rank
    are a page's worth, no part ranked below it can reach the page and none is read."""
    deepest = next((rank for rank in range(3) if max(_customers_at_least(parts, counts, rank), default=0) >= depth),
                   None)
    return tuple((index, found > COUNT_LIMIT) for index, (part, found) in enumerate(zip(parts, counts, strict=True))
                 if found and (deepest is None or part.rank <= deepest))


def _page(parts: Sequence[Part], reads: tuple[tuple[int, bool], ...]) -> Select:
    """One page of the merged parts read: best rank, then newest first (ties: the larger id first)."""
    firsts = []
    for index, broad in reads:
        first = _first(parts[index], broad).subquery()
        firsts.append(select(first.c.customer_id, first.c.created_at, literal(parts[index].rank).label("rank")))
    hits = union_all(*firsts).subquery("hits")
    return (select(hits.c.customer_id).group_by(hits.c.customer_id, hits.c.created_at)
            .order_by(func.min(hits.c.rank), hits.c.created_at.desc(), hits.c.customer_id.desc())
            .offset(_OFFSET).limit(_LIMIT))


@functools.lru_cache(maxsize=64)
def _live_queries(shape: Shape) -> tuple[tuple[Part, ...], Select]:
    """The parts and the count of a search of this shape the keys suffice for (built once, reused)."""
    parts = tuple(_parts(shape, None))
    return parts, _count(parts)


@functools.lru_cache(maxsize=1024)
def _live_page(shape: Shape, reads: tuple[tuple[int, bool], ...]) -> Select:
    return _page(_live_queries(shape)[0], reads)


def search_ids(session: Session, filters: Filters, offset: int, limit: int) -> tuple[list[str], Total]:
    """Ids of one page of matching customers (best first) and how many match, counted up to COUNT_LIMIT."""
    where = and_(*conditions(filters))
    if filters.q is None and filters.name is None:  # newest first: an index scan stops after the page
        ids = select(customers.c.id).where(where).order_by(customers.c.created_at.desc(), customers.c.id)
        found = session.execute(select(func.count()).select_from(
            select(customers.c.id).where(where).limit(COUNT_LIMIT + 1).subquery())).scalar_one()
        total = Total(min(found, COUNT_LIMIT), is_lower_bound=found > COUNT_LIMIT)
        return list(session.execute(ids.offset(offset).limit(limit)).scalars()), total
    shape, values = _shape(filters)
    live = _keys_suffice(filters)
    if live:
        parts, count = _live_queries(shape)
    else:
        parts = tuple(_parts(shape, conditions(filters)))
        count = _count(parts)
    rows = session.execute(count, values).all()
    counts = [0] * len(parts)
    for index, found, _ in rows:
        counts[index] = found
    distinct = rows[0][2] if rows else 0
    if distinct is not None and distinct <= COUNT_LIMIT and max(counts) <= COUNT_LIMIT:
        total = Total(distinct)
    else:  # more than COUNT_LIMIT, or some part was counted no further: "at least"
        total = Total(COUNT_LIMIT if distinct is None else min(distinct, COUNT_LIMIT), is_lower_bound=True)
    reads = _reads(parts, counts, offset + limit)
    if not reads:
        return [], total
    page = _live_page(shape, reads) if live else _page(parts, reads)
    matched = session.execute(page, {**values, "depth": offset + limit, "offset": offset, "limit": limit})
    return list(matched.scalars()), total
