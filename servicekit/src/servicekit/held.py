"""What a service holds, shown as it is kept: for the personal-data export each service answers.

A data subject's copy of their data must show every column a service keeps about them, also the columns
added later. `row_schema` makes the marshmallow schema of a table's rows from the table itself, so the
export and its OpenAPI description follow the table; `held_rows` reads rows as plain dicts, every moment
with its UTC offset (SQLite hands them back naive; they were stored as UTC).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    SmallInteger,
    Table,
    select,
)
from sqlalchemy.orm import Session

from servicekit.auth import require_store
from servicekit.fields import Instant
from servicekit.timestamps import with_utc


def _field(column: Any) -> fields.Field:
    kind = column.type
    options: dict[str, Any] = {"allow_none": bool(column.nullable), "required": True}
    if isinstance(kind, DateTime):
        return Instant(**options)
    if isinstance(kind, Date):
        return fields.Date(**options)
    if isinstance(kind, Boolean):
        return fields.Boolean(**options)
    if isinstance(kind, Integer | BigInteger | SmallInteger):
        return fields.Integer(**options)
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return fields.Decimal(as_string=True, **options)
    if isinstance(kind, Float):
        return fields.Float(**options)
    if isinstance(kind, JSON):
        return fields.Raw(**options, metadata={"description": "Kept as JSON."})
    return fields.String(**options)


def row_schema(table: Table, name: str, description: str, exclude: tuple[str, ...] = (),
               extra: dict[str, fields.Field] | None = None) -> type[Schema]:
    """A schema named `name` with one field per column of `table` (but `exclude`), plus `extra` fields."""
    attributes: dict[str, Any] = {column.name: _field(column) for column in table.columns
                                  if column.name not in exclude}
    attributes.update(extra or {})
    attributes["__doc__"] = description
    return type(name, (Schema,), attributes)


def held_rows(session: Session, query: Any) -> list[dict[str, Any]]:
    """The rows of `query` as dicts, each moment with its UTC offset."""
    return [with_utc(row) for row in session.execute(query).mappings()]


#: Merge chains are short (A into B, B into C); this bounds the walk over a broken one.
MAX_HOPS = 20


def person_ids(session: Session, customers: Table, customer_id: str, merged: list[str],
               merged_into: Callable[[list[str]], Any] | None = None) -> list[str]:
    """The customer and every record merged into it, transitively: those the caller names and those this
    service's copy of the customers (`customers`, with `merged_into`) knows were merged. `merged_into`, given
    ids, may name a query of more records merged into them (a service that keeps its merges apart)."""
    ids = [customer_id, *(other for other in dict.fromkeys(merged) if other != customer_id)]
    frontier = list(ids)
    for _ in range(MAX_HOPS):
        known = set(session.execute(select(customers.c.id).where(customers.c.merged_into.in_(frontier))).scalars())
        if merged_into is not None:
            known |= set(session.execute(merged_into(frontier)).scalars())
        found = sorted(known - set(ids))
        if not found:
            break
        ids.extend(found)
        frontier = found
    return ids


def check_person_scope(session: Session, customers: Table, customer_id: str, scope: frozenset[str] | None) -> None:
    """403 unless the customer (or, for a merged record, the customer it lives on in) is of the caller's stores
    (`scope`; None: every store). A customer this service never heard of holds nothing here: nothing to refuse."""
    if scope is None:
        return
    current, seen = customer_id, set()
    while current not in seen:
        seen.add(current)
        row = session.execute(select(customers.c.store_id, customers.c.merged_into)
                              .where(customers.c.id == current)).first()
        if row is None:
            return
        if row.merged_into is None:
            require_store(row.store_id)
            return
        current = row.merged_into


#: Records merged into one customer that the export names to each service at once (the ids fit in a request line).
MAX_MERGED = 50


class PersonalDataArgs(Schema):
    """The query of a service's section of a personal-data export: records merged into the customer, as the
    customer service knows them (the gateway passes them on)."""

    merged = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=MAX_MERGED), metadata={
        "description": "Ids of records merged into this customer (the customer service's `merged_records`): "
                       "what this service still keeps under them is included too."})
