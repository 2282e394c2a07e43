"""One page of a customer search by name or `q`, read part by part, and how many match (see below)."""
from __future__ import annotations

import functools
import operator
from collections.abc import Sequence

from sqlalchemy import Integer, Select, and_, bindparam, case, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from customer.adapters.search import conditions
from customer.adapters.search_parts import Part, Shape, keys_suffice, parts_of, shape_of
from customer.adapters.tables import customers
from customer.domain.search import COUNT_LIMIT, Filters, Total

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
#
# The parts, and the shape of a search's queries: customer.adapters.search_parts. As there, what the
# queries compare is bound, not written into them (they are built once for each shape and reused).
_CAP, _COUNT_LIMIT = bindparam("cap", type_=Integer), bindparam("count_limit", type_=Integer)
_DEPTH, _OFFSET, _LIMIT = (bindparam(name, type_=Integer) for name in ("depth", "offset", "limit"))


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
    parts = tuple(parts_of(shape, None))
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
    shape, values = shape_of(filters)
    values.update(cap=COUNT_LIMIT + 1, count_limit=COUNT_LIMIT)
    live = keys_suffice(filters)
    if live:
        parts, count = _live_queries(shape)
    else:
        parts = tuple(parts_of(shape, conditions(filters)))
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
