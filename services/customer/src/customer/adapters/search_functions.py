"""The SQL a search compares with beyond columns: the end of a plate and the last six characters of a VIN, each
written as its index is (migration 0012), on PostgreSQL and on SQLite; and the bounds of a prefix's range."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from customer.adapters.tables import assets


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


class VinTail(FunctionElement):
    """The last six characters of a VIN, written as the index ix_assets_vin_tail is (migration 0012)."""

    type = String()
    name = "vin_tail"
    inherit_cache = True


@compiles(VinTail)
def _vin_tail(element: VinTail, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, -6)"


@compiles(VinTail, "postgresql")
def _vin_tail_postgresql(element: VinTail, compiler: Any, **kw: Any) -> str:
    return f"right({compiler.process(element.clauses, **kw)}, 6)"


def plate_ends_with(term: Any, first: Any, after: Any) -> ColumnElement[bool]:
    """The asset's plate ends with `term` (`first`, `after`: its reversed range, from plate_end_values)."""
    return _EndsWith(assets.c.plate_key, term, first, after)


def plate_end_values(term: str) -> tuple[str, str, str]:
    """(the end, reversed, the first string after every one starting with it reversed) for plate_ends_with."""
    return term, term[::-1], after_prefix(term[::-1])


def after_prefix(prefix: str) -> str:
    """The first string after every string starting with `prefix` (byte order: C collation, SQLite)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
