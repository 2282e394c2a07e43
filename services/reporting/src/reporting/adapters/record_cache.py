"""The read model's records within one transaction: read once, written once.

A consumer's batch applies a hundred events or so in one transaction, and a customer's events usually
come together (created, visits, a vehicle, an update). Rows are loaded for the whole batch up front
(`load`, one query per table), kept here while the handlers change them, and written when the
transaction commits: new rows with one COPY per table, changed rows with one UPDATE … FROM (all of them as
one JSON parameter) per table (servicekit.db.bulk_insert, update_many). `holds` answers from indexes kept up
to date with the rows. Anything that reads the tables with its own SQL calls `flush` first.
"""
from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from servicekit.db import bulk_insert, given_keys, update_many
from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

_ROWS = "reporting.rows"
_DIRTY = "reporting.dirty"
_COMPLETE = "reporting.complete"
_INDEXES = "reporting.indexes"
ABSENT = object()


@functools.cache
def key_column(table: Table) -> str:
    """The name of the column a record of `table` is kept by (its one primary-key column)."""
    return table.primary_key.columns.keys()[0]


def _rows(session: Session) -> dict[tuple[str, str], Any]:
    return session.info.setdefault(_ROWS, {})


def _remember(session: Session, table: str, key: str, row: Any) -> None:
    """Keep `row` (or ABSENT) as the row of `key`, and the indexes `holds` reads up to date with it."""
    rows = _rows(session)
    indexes: dict[tuple[str, str], Counter] = session.info.get(_INDEXES) or {}
    for (name, column), index in indexes.items():
        if name != table:
            continue
        old = rows.get((table, key), ABSENT)
        if old is not ABSENT:
            index[old.get(column)] -= 1
        if row is not ABSENT:
            index[row.get(column)] += 1
    rows[table, key] = row


def _index(session: Session, table: str, column: str) -> Counter:
    """{value: how many rows of `table` this transaction knows with that value in `column`} (built at the first
    question, then kept up to date by `_remember`)."""
    indexes: dict[tuple[str, str], Counter] = session.info.setdefault(_INDEXES, {})
    if (table, column) not in indexes:
        indexes[table, column] = Counter(row.get(column) for (name, _), row in _rows(session).items()
                                         if name == table and row is not ABSENT)
    return indexes[table, column]


def load(session: Session, table: Table, keys: Iterable[str]) -> None:
    """Read the rows of `keys` not known yet, in one query; remember the ones that do not exist too."""
    rows = _rows(session)
    wanted = sorted({key for key in keys if key and (table.name, key) not in rows})
    key = key_column(table)
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found = {row[key]: dict(row) for row in session.execute(*_by_keys(session, table, chunk)).mappings()}
        for one in chunk:
            _remember(session, table.name, one, found.get(one, ABSENT))


def _by_keys(session: Session, table: Table, keys: list[str]) -> tuple[Any, dict[str, Any]]:
    """The statement reading the rows of `keys`, and its parameters: on PostgreSQL the keys as one array
    joined to the table, elsewhere `IN`. An `IN` list is written out a placeholder a key, each execution, by
    SQLAlchemy and again by psycopg (8 % of the applying thread's CPU). `= ANY` of the array is one statement that
    psycopg prepares: PostgreSQL's plan for it, made while the tables were small, scanned them whole comparing each
    row with every key (18 ms for 3,000 visits and 500 keys; a quarter fewer events a second). The join looks each
    key up in the index."""
    if session.get_bind().dialect.name == "postgresql":
        return _joined_to_keys(table), {"keys": keys}
    return select(table).where(table.c[key_column(table)].in_(keys)), {}


@functools.cache
def _joined_to_keys(table: Table) -> Any:
    column = table.c[key_column(table)]
    given = given_keys(bindparam("keys", type_=ARRAY(column.type)))
    return select(table).join_from(given, table, column == given.c.key)


def load_where(session: Session, table: Table, column: str, values: Iterable[str]) -> None:
    """Read every row of `table` whose `column` is one of `values`, in one query per thousand values (rows
    known already are kept as this transaction has them), and remember that this transaction now knows all
    of them: `knows_all` then answers for these values without asking the database."""
    rows = _rows(session)
    wanted = sorted(set(filter(None, values)))
    key = key_column(table)
    for start in range(0, len(wanted), 1000):
        for row in session.execute(select(table).where(table.c[column].in_(wanted[start:start + 1000]))).mappings():
            if (table.name, row[key]) not in rows:
                _remember(session, table.name, row[key], dict(row))
    session.info.setdefault(_COMPLETE, set()).update((table.name, column, value) for value in wanted)


def knows_all(session: Session, tables: Iterable[Table], column: str, value: Any) -> bool:
    """Whether this transaction read every row of `tables` whose `column` is `value` (`load_where`) and kept
    them since: then `holds` is the whole answer, the database has no other."""
    complete = session.info.get(_COMPLETE, ())
    return all((table.name, column, value) in complete for table in tables)


def get(session: Session, table: Table, key: str) -> dict[str, Any] | None:
    """The row of `key` as it stands in this transaction, or None (a copy, the caller's to change)."""
    row = peek(session, table, key)
    return None if row is None else dict(row)


def peek(session: Session, table: Table, key: str) -> Mapping[str, Any] | None:
    """The row of `key` as it stands in this transaction, or None, to read only (not a copy)."""
    rows = _rows(session)
    if (table.name, key) not in rows:
        load(session, table, [key])
    row = rows[table.name, key]
    return None if row is ABSENT else row


def holds(session: Session, tables: Iterable[Table], column: str, value: Any) -> bool:
    """Whether this transaction knows a row of `tables` whose `column` is `value` (read or not yet written)."""
    return any(_index(session, table.name, column)[value] > 0 for table in tables)


def put(session: Session, table: Table, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Keep `after` as the row's new state, written at commit."""
    key = after[key_column(table)]
    _remember(session, table.name, key, dict(after))
    dirty: dict = session.info.setdefault(_DIRTY, {})
    new = dirty[table.name, key][0] if (table.name, key) in dirty else before is None
    dirty[table.name, key] = (new, table)


def flush(session: Session) -> None:
    """Write every row changed in this transaction now."""
    dirty: dict = session.info.pop(_DIRTY, None) or {}
    rows = _rows(session)
    inserts: dict[Table, list[dict]] = {}
    updates: dict[Table, list[dict]] = {}
    for (name, key), (new, table) in dirty.items():
        row = rows[name, key]
        if row.keys() != column_names(table):  # a new record naming only some columns: the others' defaults
            row = {column: row.get(column, default) for column, default in column_defaults(table)}
        (inserts if new else updates).setdefault(table, []).append(row)
    for table, values in inserts.items():
        bulk_insert(session, table, values)
    for table, values in updates.items():
        key = key_column(table)
        change = [(f"new_{column.name}", column.name) for column in table.columns if column.name != key]
        update_many(session, table, [key], [name for _, name in change],
                    [{f"key_{key}": value[key], **{new: value[name] for new, name in change}} for value in values])


def forget(session: Session) -> None:
    """Drop what this transaction knew (after a rollback)."""
    for name in (_ROWS, _DIRTY, _COMPLETE, _INDEXES):
        session.info.pop(name, None)


@functools.cache
def column_names(table: Table) -> frozenset[str]:
    """The names of `table`'s columns."""
    return frozenset(column.name for column in table.columns)


@functools.cache
def column_defaults(table: Table) -> tuple[tuple[str, Any], ...]:
    """(column name, the value a row that does not name it gets) of each of `table`'s columns, in order."""
    return tuple((column.name, _default(column)) for column in table.columns)


def _default(column) -> Any:
    default = column.default
    return default.arg if default is not None and not callable(default.arg) else None


def pending(session: Session) -> bool:
    """Whether this transaction changed rows not written yet."""
    return bool(session.info.get(_DIRTY))
