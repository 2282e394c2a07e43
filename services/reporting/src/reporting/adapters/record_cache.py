"""The read model's records within one transaction: read once, written once.

A consumer's batch applies a hundred events or so in one transaction, and a customer's events usually
come together (created, visits, a vehicle, an update). Rows are loaded for the whole batch up front
(`load`, one query per table), kept here while the handlers change them, and written when the
transaction commits: new rows in one multi-row insert per table, changed rows in one executemany
update per table. Anything that reads the tables with its own SQL calls `flush` first.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

_ROWS = "reporting.rows"
_DIRTY = "reporting.dirty"
_COMPLETE = "reporting.complete"
ABSENT = object()


def _key_column(table: Table) -> str:
    return table.primary_key.columns.keys()[0]


def _rows(session: Session) -> dict[tuple[str, str], Any]:
    return session.info.setdefault(_ROWS, {})


def load(session: Session, table: Table, keys: Iterable[str]) -> None:
    """Read the rows of `keys` not known yet, in one query; remember the ones that do not exist too."""
    rows = _rows(session)
    wanted = sorted({key for key in keys if key and (table.name, key) not in rows})
    column = table.c[_key_column(table)]
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found = {row[column.name]: dict(row) for row in
                 session.execute(select(table).where(column.in_(chunk))).mappings()}
        for key in chunk:
            rows[table.name, key] = found.get(key, ABSENT)


def load_where(session: Session, table: Table, column: str, values: Iterable[str]) -> None:
    """Read every row of `table` whose `column` is one of `values`, in one query per thousand values (rows
    known already are kept as this transaction has them), and remember that this transaction now knows all
    of them: `knows_all` then answers for these values without asking the database."""
    rows = _rows(session)
    wanted = sorted(set(filter(None, values)))
    key = _key_column(table)
    for start in range(0, len(wanted), 1000):
        for row in session.execute(select(table).where(table.c[column].in_(wanted[start:start + 1000]))).mappings():
            rows.setdefault((table.name, row[key]), dict(row))
    session.info.setdefault(_COMPLETE, set()).update((table.name, column, value) for value in wanted)


def knows_all(session: Session, tables: Iterable[Table], column: str, value: Any) -> bool:
    """Whether this transaction read every row of `tables` whose `column` is `value` (`load_where`) and kept
    them since: then `holds` is the whole answer, the database has no other."""
    complete = session.info.get(_COMPLETE, ())
    return all((table.name, column, value) in complete for table in tables)


def get(session: Session, table: Table, key: str) -> dict[str, Any] | None:
    """The row of `key` as it stands in this transaction, or None."""
    rows = _rows(session)
    if (table.name, key) not in rows:
        load(session, table, [key])
    row = rows[table.name, key]
    return None if row is ABSENT else dict(row)


def holds(session: Session, tables: Iterable[Table], column: str, value: Any) -> bool:
    """Whether this transaction knows a row of `tables` whose `column` is `value` (read or not yet written)."""
    names = {table.name for table in tables}
    return any(name in names and row is not ABSENT and row.get(column) == value
               for (name, _), row in _rows(session).items())


def put(session: Session, table: Table, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Keep `after` as the row's new state, written at commit."""
    key = after[_key_column(table)]
    _rows(session)[table.name, key] = dict(after)
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
        full = {column.name: row.get(column.name, _default(column)) for column in table.columns}
        (inserts if new else updates).setdefault(table, []).append(full)
    for table, values in inserts.items():
        session.execute(insert(table), values)
    for table, values in updates.items():
        key = _key_column(table)
        statement = (update(table).where(table.c[key] == bindparam("_key"))
                     .values({column.name: bindparam(column.name) for column in table.columns if column.name != key}))
        session.connection().execute(statement, [{**value, "_key": value[key]} for value in values])


def forget(session: Session) -> None:
    """Drop what this transaction knew (after a rollback)."""
    session.info.pop(_ROWS, None)
    session.info.pop(_DIRTY, None)
    session.info.pop(_COMPLETE, None)


def _default(column) -> Any:
    default = column.default
    return default.arg if default is not None and not callable(default.arg) else None


def pending(session: Session) -> bool:
    """Whether this transaction changed rows not written yet."""
    return bool(session.info.get(_DIRTY))
