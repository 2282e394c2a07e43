"""The parts of a customer search by name or `q`: each way a term can match (the name keys at the start of
the name, inside it; a phone, a plate, a VIN) as the query of its hits, and the shape of a search (which
parts it has), which the queries of a search without filters are built once for (customer.adapters.search_page
reads a page from them)."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, select
from sqlalchemy.sql.elements import BindParameter

from customer.adapters.search import KEYS, conditions, exact_filters
from customer.adapters.search_functions import VinTail, after_prefix, plate_end_values, plate_ends_with
from customer.adapters.tables import KEY_CARRIES, assets, customer_phones, customers
from customer.domain.pinyin import INITIALS, NAME, PINYIN
from customer.domain.search import Filters

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# What a search compares is bound, not written into its queries: the queries of a search without filters
# are then built once for each shape of search and reused (building and keying them cost more than the
# database's work for most terms).
_TERM: BindParameter[Any] = bindparam("term")
_TERM_AFTER: BindParameter[Any] = bindparam("term_after")
_TERM_LENGTH = bindparam("term_length", type_=Integer)


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


def shape_of(filters: Filters) -> tuple[Shape, dict[str, Any]]:
    """The search's shape, and the values its parts bind."""
    terms = filters.q
    term = terms.name if terms else filters.name
    if term is None:  # search_ids lists a search with neither a free-text term nor a name without a shape
        raise ValueError("a search shape needs a name to look for")
    values: dict[str, Any] = {"term": term, "term_after": after_prefix(term), "term_length": len(term)}
    if terms is not None and terms.whole_phone:
        values["whole"] = terms.whole_phone[::-1]
    if terms is not None and terms.phone_suffix:
        values["suffix"] = terms.phone_suffix[::-1]
        values["suffix_after"] = after_prefix(values["suffix"])
    if terms is not None:
        values.update({name: getattr(terms, name) for name in ("plate", "vin", "vin_tail") if getattr(terms, name)})
        if terms.plate_end:
            values["plate_end"], values["plate_end_reversed"], values["plate_end_after"] = \
                plate_end_values(terms.plate_end)
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
    return {name: value for name, value in exact_filters(filters).items() if name in KEY_CARRIES}


def _key_parts(sounds: bool, narrow: Callable[[Select], Select]) -> list[Part]:
    """The parts of the name keys."""
    exact = KEYS.c.key == _TERM
    prefix = func.substr(KEYS.c.key, 1, _TERM_LENGTH) == _TERM  # a range, but no index on key serves it
    longer, longer_in_order = (KEYS.c.key > _TERM, KEYS.c.key < _TERM_AFTER), (prefix, KEYS.c.key != _TERM)
    at_start = [(kind, (KEYS.c.kind == kind, KEYS.c.position == 0))
                for kind in ((NAME, PINYIN, INITIALS) if sounds else (NAME,))]
    specs: list[tuple[int, tuple[Any, ...], tuple[Any, ...], int | None]]
    specs = [(0 if kind == NAME else 1, (*start, exact), (*start, exact), kind) for kind, start in at_start]
    specs += [(1 if kind == NAME else 2, (*start, *longer), (*start, *longer_in_order), kind)
              for kind, start in at_start]
    inside = (KEYS.c.position > 0, KEYS.c.key >= _TERM, KEYS.c.key < _TERM_AFTER)
    specs.append((3, inside, (KEYS.c.position > 0, prefix), None))
    keys = select(KEYS.c.customer_id, KEYS.c.created_at)
    return [Part(rank, narrow(keys.where(*hits)), narrow(keys.where(*in_order)), kind)
            for rank, hits, in_order, kind in specs]


def keys_suffice(filters: Filters) -> bool:
    """True when the search has no filter but the name or `q`, the stores the caller may see and filters
    on columns the keys carry (beyond leaving out merged and erased customers): the keys then answer it
    without looking customers up."""
    return len(conditions(filters)) == 2 + (filters.stores is not None) + len(_carried(filters))


def parts_of(shape: Shape, where: list[ColumnElement[bool]] | None) -> list[Part]:
    """Every part of a name or `q` search of this shape, with the filters `where` (None: none but the
    shape's stores)."""
    if where is None:
        merged = select(customers.c.id).where(customers.c.merged_into.is_not(None))
        stores: BindParameter[Any] = bindparam("stores", expanding=True)
        live = (KEYS.c.customer_id.not_in(merged), *((KEYS.c.store_id.in_(stores),) if shape.scoped else ()),
                *(KEYS.c[name] == bindparam(name) for name in shape.carried))
        parts = _key_parts(shape.sounds, lambda keys: keys.where(*live))
        where = [*conditions(Filters()), *((customers.c.store_id.in_(stores),) if shape.scoped else ()),
                 *(customers.c[name] == bindparam(name) for name in shape.carried)]
    else:
        parts = _key_parts(shape.sounds, lambda keys: keys.join(customers, customers.c.id == KEYS.c.customer_id)
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
        parts.append(of(1, assets, plate_ends_with(bindparam("plate_end"), bindparam("plate_end_reversed"),
                                                    bindparam("plate_end_after"))))
    if shape.vin_tail:
        parts.append(of(1, assets, VinTail(assets.c.vin) == bindparam("vin_tail")))
    return parts
