"""A batch's INSERTs written without a round trip each: one-row inserts kept and written together, and plain
INSERTs sent without waiting for each one's answer (psycopg's pipeline mode).

A consumer's handler typically writes a row or two per event with `session.execute(table.insert().values(…))`;
applied in one transaction per batch, what each of those cost was the statement's way through SQLAlchemy and
the round trip to the server. Within `inserts_pipelined(session)`:

- a one-row `Table.insert().values(…)` of plain values run by `session.execute` (no RETURNING, no ON CONFLICT,
  no SQL expression, not in a savepoint) is kept, and the rows kept are inserted before anything else runs on
  the connection (a SELECT, an UPDATE, an ORM flush, a savepoint) and when the block ends: in their order, one
  INSERT for each run of rows of the same table and columns (`INSERT … SELECT … FROM unnest(arrays)`, each
  column's values one array; SQLAlchemy's executemany for a column type that does not go through an array);
- an INSERT without RETURNING outside a savepoint (those rows, or any other) is only queued on the connection;
  anything else first waits for every INSERT queued before it, so it sees them and runs as it always did.

An INSERT that fails raises at the next statement or when the block ends, as the SQLAlchemy error it would have
raised itself (an IntegrityError for a duplicate key); inside a savepoint nothing is kept or queued, so a handler
catching an error there catches it where it did. Statements run in the order they were executed, in the same
transaction: only the waiting changes.

What differs for the handler: `session.execute` of a row kept returns no rows and a rowcount of 1 at once, and
SQLAlchemy's RETURNING of a new row's generated key (`inserted_primary_key`) is left out; a handler that needs
the key asks for it with `.returning(table.c.id)` (then its INSERT runs as it always did).

Other drivers than psycopg (SQLite): nothing changes.
"""
from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import psycopg.types.json
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    TypeDecorator,
    Uuid,
    event,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter, TextClause
from sqlalchemy.types import TypeEngine

from servicekit.db import BEFORE_COPY, table_name


class _Pipelining:
    """The pipeline of one connection while `inserts_pipelined` is open: entered at the first INSERT,
    left (every answer awaited) before any other statement and at the end."""

    def __init__(self, connection: Connection, driver_connection: psycopg.Connection) -> None:
        self.connection, self.driver_connection = connection, driver_connection
        self.pipeline: contextlib.AbstractContextManager[Any] | None = None
        self.last: tuple[str, Any] = ("", None)
        self.rows: list[tuple[Table, dict[str, Any]]] = []
        self.writing_rows = False

    def keep_row(self, state: ORMExecuteState) -> IteratorResult | None:
        """`session.execute(table.insert().values(…))` of one row of plain values: kept, to be inserted with
        the rows kept after it in one multi-row INSERT (before any other statement runs, at the latest)."""
        row = None
        session = state.session
        if not state.parameters and not state.local_execution_options and not session.in_nested_transaction():
            row = _one_row(state.statement)
        if row is None:
            return None
        self.rows.append(row)
        return _Inserted(SimpleResultMetaData([]), iter(()))

    def write_rows(self) -> None:
        """Insert the rows kept, in their order: one statement for each run of rows of one table and columns
        (`INSERT … SELECT … FROM unnest(…)`, or else SQLAlchemy's executemany: see `_unnested`)."""
        rows, self.rows = self.rows, []
        self.writing_rows = True
        try:
            for (table, names), run in itertools.groupby(rows, key=lambda row: (row[0], tuple(row[1]))):
                values = [values for _, values in run]
                unnested = _unnested(self.connection, table, names, values)
                if unnested is None:
                    self.connection.execute(insert(table), values)
                else:
                    self.connection.execute(*unnested)
        finally:
            self.writing_rows = False

    def send(self, statement: Any, parameters: dict[str, Any]) -> psycopg.Cursor:
        """Queue `statement` (with `parameters`) on the connection now, whatever it is, after the rows kept: its
        answer is read from the cursor returned once the pipeline is settled (at the next statement that is not
        queued, or when the block ends)."""
        if self.rows:
            self.write_rows()
        compiled = statement.compile(dialect=self.connection.dialect)
        sql, values = str(compiled), compiled.construct_params(parameters)
        self._queue(sql, values)
        cursor = self.driver_connection.cursor()
        cursor.execute(sql, values)
        return cursor

    def before_statement(self, conn: Connection, clauseelement: Any, multiparams: Any, params: Any,
                         execution_options: Any) -> tuple[Any, Any, Any]:
        """Before any statement on the connection (the session's, the ORM's, a savepoint): the rows kept first.

        An INSERT that asked for no RETURNING gets none: SQLAlchemy would add one to read back the new row's
        key (`inserted_primary_key`), which nobody reads here, and wait for it."""
        if self.rows and not self.writing_rows:
            self.write_rows()
        if (isinstance(clauseelement, Insert) and not clauseelement.returning_column_descriptions
                and not getattr(clauseelement, "_return_defaults", False)):
            clauseelement = clauseelement.inline()
        return clauseelement, multiparams, params

    def before_execute(self, conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                       executemany: bool) -> None:
        # Inside a savepoint a failure must raise at its statement, where the handler may catch it and roll the
        # savepoint back (found only when the savepoint is released, it would leave the transaction aborted).
        if _plain_insert(context) and not conn.in_nested_transaction():
            self._queue(statement, parameters)
            return
        self.settle()

    def _queue(self, statement: str, parameters: Any) -> None:
        """Enter the pipeline, if not in it yet, for `statement` (remembered to name in a failure)."""
        if self.pipeline is None:
            self.pipeline = self.driver_connection.pipeline()
            self.pipeline.__enter__()
        self.last = (statement, parameters)

    def drain(self) -> None:
        """The rows kept written, and every statement queued awaited: before a COPY on the connection
        (servicekit.db.copy_rows, which psycopg runs outside a pipeline), and when the block ends."""
        if self.rows:
            self.write_rows()
        self.settle()

    def settle(self) -> None:
        """Wait for every statement queued; raise the first failure as SQLAlchemy would have."""
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is None:
            return
        try:
            pipeline.__exit__(None, None, None)
        except psycopg.Error as error:
            statement, parameters = self.last
            raise DBAPIError.instance(statement, parameters, error, psycopg.Error) from error

    def abandon(self) -> None:
        """Leave the pipeline after a failure in the block (the transaction is rolled back anyway)."""
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None:
            with contextlib.suppress(psycopg.Error):
                pipeline.__exit__(None, None, None)


#: The column types whose values go to the server as one array each: the SQL type of the array (None: the
#: column's own), and the Python types a value may have (after the type's own bind processing).
_ARRAYS: tuple[tuple[type, str | None, tuple[type, ...]], ...] = (
    (Enum, "", ()),  # no assignment cast from text to an enumerated type: not through an array
    (String, "TEXT", (str,)),
    (Boolean, "BOOLEAN", (bool,)),
    (Integer, "BIGINT", (int,)),
    (Float, "DOUBLE PRECISION", (float, int)),
    (Numeric, "NUMERIC", (Decimal, int)),
    (DateTime, None, (datetime,)),
    (Date, "DATE", (date,)),
    (Uuid, "UUID", (uuid.UUID,)),
    (JSONB, "JSONB", (psycopg.types.json.Jsonb,)),
    (JSON, "JSON", (psycopg.types.json.Json,)),
)


def _unnested(connection: Connection, table: Table, keys: tuple[str, ...],
              rows: list[dict[str, Any]]) -> tuple[TextClause, dict[str, Any]] | None:
    """Several rows of `table` as one statement and its parameters: each column's values one array, and
    `INSERT INTO table (…) SELECT … FROM unnest(…) WITH ORDINALITY ORDER BY ordinality` (in their order);
    None when a column is not of a type an array carries as it is (see _ARRAYS) or its values are not all of
    one of the type's Python types, or when the table has a default computed in Python for a column the rows leave out
    (SQLAlchemy's executemany does all of it).

    psycopg's executemany, even in a pipeline, sends one INSERT per row: for a batch's few hundred rows of a
    table this is a tenth of the work. Each value is bound as SQLAlchemy would bind it (JSON serialised by
    the type), and the arrays are cast to the columns' types, so what is stored is the same; the table is the
    one SQLAlchemy's own statement would write to (`schema_translate_map` included).
    """
    dialect = connection.dialect
    if len(rows) < 2 or any(column.default is not None for column in table.columns if column.key not in keys):
        return None
    columns, selected, parameters = [], [], {}
    for i, key in enumerate(keys):
        column = table.c[key]
        array_type = _array_type(dialect, column.type)
        if array_type is None:
            return None
        process = column.type._cached_bind_processor(dialect)
        values = [row[key] for row in rows]
        if process is not None:
            values = [process(value) for value in values]
        kinds = {type(value) for value in values} - {type(None)}
        if len(kinds) > 1 or not kinds <= set(_python_types(column.type)):  # one type per array
            return None
        columns.append(dialect.identifier_preparer.quote(column.name))
        selected.append(f"CAST(:c{i} AS {array_type}[])")
        parameters[f"c{i}"] = values
    names = ", ".join(columns)
    aliases = ", ".join(f"c{i}" for i in range(len(keys)))
    statement = (f"INSERT INTO {table_name(connection, table)} ({names}) "
                 f"SELECT {aliases} FROM unnest({', '.join(selected)}) WITH ORDINALITY AS u({aliases}, n) "
                 f"ORDER BY n")
    return text(statement), parameters


def _array_type(dialect: Dialect, type_: TypeEngine) -> str | None:
    """The SQL type of an array of values of a column of type `type_`, or None (not through an array)."""
    if isinstance(type_, TypeDecorator):
        return None
    for kind, array_type, _ in _ARRAYS:
        if isinstance(type_, kind):
            return (array_type or type_.compile(dialect=dialect)) if array_type != "" else None
    return None


def _python_types(type_: TypeEngine) -> tuple[type, ...]:
    for kind, _, python_types in _ARRAYS:
        if isinstance(type_, kind):
            return python_types
    return ()


class _Inserted(IteratorResult):
    """What `session.execute` of a row kept for later returns: no rows; one row inserted (or an error later)."""

    rowcount = 1


def _one_row(statement: Any) -> tuple[Table, dict[str, Any]] | None:
    """(table, values) of a plain one-row `Table.insert().values(…)` of plain values, else None (anything more:
    RETURNING, several rows, ON CONFLICT or another dialect's form, SQL expressions, a SELECT)."""
    if not _one_row_insert(statement):
        return None
    values: dict[str, Any] = {}
    for key, value in statement._values.items():
        name = key if isinstance(key, str) else getattr(key, "key", None)
        if not isinstance(name, str) or not _plain_value(statement.table, name, value):
            return None
        values[name] = value.value
    return statement.table, values


def _one_row_insert(statement: Any) -> bool:
    """A Core insert into a table of one row of values and nothing more (an ORM entity's names are its
    attributes', not columns'; a dialect's own form, ON CONFLICT, is another type)."""
    if type(statement) is not Insert or not isinstance(statement.table, Table) or statement._propagate_attrs:
        return False
    more = (statement._returning, statement._return_defaults, statement._multi_values, statement._prefixes,
            statement._hints, statement._select_names is not None, statement._post_values_clause is not None)
    return not any(more) and bool(statement._values)


def _plain_value(table: Table, name: str, value: Any) -> bool:
    """A value given for a column of `table` as a plain bound parameter (not an SQL expression)."""
    return (name in table.c and isinstance(value, BindParameter)
            and value.callable is None and not value.expanding)


def _plain_insert(context: Any) -> bool:
    """An INSERT whose answer nobody reads: no RETURNING (SQLAlchemy reads no row count of an INSERT)."""
    compiled = getattr(context, "compiled", None)
    return bool(context is not None and context.isinsert and compiled is not None
                and not compiled.effective_returning)


@contextlib.contextmanager
def inserts_pipelined(session: Session) -> Iterator[_Pipelining | None]:
    """Within: the session's plain INSERTs are queued, not waited for (see the module's docstring). Yields
    the connection's pipeline, whose `send` queues any statement (None off psycopg)."""
    connection = session.connection()
    driver_connection = connection.connection.driver_connection
    if not isinstance(driver_connection, psycopg.Connection):
        yield None
        return
    pipelining = _Pipelining(connection, driver_connection)
    event.listen(session, "do_orm_execute", pipelining.keep_row)
    event.listen(connection, "before_execute", pipelining.before_statement, retval=True)
    event.listen(connection, "before_cursor_execute", pipelining.before_execute)
    connection.info[BEFORE_COPY] = pipelining.drain
    try:
        yield pipelining
        pipelining.drain()
    except BaseException:
        pipelining.rows = []
        pipelining.abandon()
        raise
    finally:
        connection.info.pop(BEFORE_COPY, None)
        event.remove(connection, "before_cursor_execute", pipelining.before_execute)
        event.remove(connection, "before_execute", pipelining.before_statement)
        event.remove(session, "do_orm_execute", pipelining.keep_row)
