"""Storing imports: the job and its progress, its rows' errors, and new customers written in bulk."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from servicekit.db import among, bulk_insert, outbox
from servicekit.events import dumps
from servicekit.outbox import OUTBOX_COLUMNS
from servicekit.timestamps import as_utc
from sqlalchemy import JSON, func, insert, select, text, update
from sqlalchemy.orm import Session

from customer.adapters.customers import COLUMNS
from customer.adapters.tables import (
    KEY_CARRIES,
    consent_records,
    customer_emails,
    customer_imports,
    customer_phones,
    customer_search_keys,
    customer_tags,
    customers,
    history,
    import_errors,
)
from customer.domain.duplicates import email_key
from customer.domain.phones import digits
from customer.domain.pinyin import SearchKey


class ImportRepository:
    """Imports in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, job: dict[str, Any]) -> None:
        """Keep a new import."""
        self.session.execute(insert(customer_imports).values(**job))

    def get(self, import_id: str) -> dict[str, Any] | None:
        """The import with this id, or None."""
        query = select(customer_imports).where(customer_imports.c.id == import_id)
        row = self.session.execute(query).mappings().first()
        if row is None:
            return None
        job = dict(row)
        for name in ("created_at", "updated_at", "finished_at"):
            job[name] = as_utc(job[name])
        return job

    def progress(self, import_id: str, at: datetime, rows: int, counts: dict[str, int],
                 errors: Sequence[tuple[int, str, str]], error_rows: int) -> None:
        """Add one chunk's rows, counts and errors (in file order) to the import: the errors of the import's
        first `error_rows` rows with errors are kept, later ones only counted (`failed`)."""
        if errors:
            failed = self.session.execute(select(customer_imports.c.failed)
                                          .where(customer_imports.c.id == import_id)).scalar_one()
            lines = sorted({line for line, _, _ in errors})[:max(0, error_rows - failed)]
            if lines:
                self.session.execute(insert(import_errors), [
                    {"import_id": import_id, "line": line, "column": column, "message": message[:1000]}
                    for line, column, message in errors if line <= lines[-1]])
        self.session.execute(update(customer_imports).where(customer_imports.c.id == import_id).values(
            rows_done=customer_imports.c.rows_done + rows, updated_at=at,
            **{name: customer_imports.c[name] + count for name, count in counts.items()}))

    def finish(self, import_id: str, at: datetime, status: str, problem: str | None = None) -> None:
        """Mark the import done (its total now the rows there were: a workbook's recorded size counts blank
        rows) or failed."""
        done = {"rows_total": customer_imports.c.rows_done} if status == "done" else {}
        self.session.execute(update(customer_imports).where(customer_imports.c.id == import_id).values(
            status=status, problem=problem, updated_at=at, finished_at=at, **done))

    def errors(self, import_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the import's errors kept, in file order, and how many are kept."""
        where = import_errors.c.import_id == import_id
        total = self.session.execute(select(func.count()).where(where)).scalar_one()
        page = self.session.execute(select(import_errors.c.line, import_errors.c.column, import_errors.c.message)
                                    .where(where).order_by(import_errors.c.id).offset(offset).limit(limit))
        return [dict(row) for row in page.mappings()], total

    def rows_with_errors_kept(self, import_id: str) -> int:
        """How many rows' errors are kept."""
        return self.session.execute(select(func.count(import_errors.c.line.distinct()))
                                    .where(import_errors.c.import_id == import_id)).scalar_one()


#: The tables an import looks its rows up in, chunk by chunk (customers by e-mail and external id, phones).
LOOKED_UP = (customers, customer_phones)


def rows_known(session: Session) -> float:
    """How many customers the planner's statistics know of (0 when the table was never analyzed, or not on
    PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    known = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"),
                            {"name": customers.name}).scalar()
    return max(0.0, float(known or 0))


def analyze_looked_up(session: Session) -> None:
    """Refresh the planner's statistics of the tables an import looks up (PostgreSQL; elsewhere nothing).
    Without them a table that grew from (nearly) empty during the import is planned as if still tiny: its
    look-ups become scans of every row written so far, chunk after chunk."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(table.name for table in LOOKED_UP)}"))


def phone_owners(session: Session, phones: Iterable[str]) -> dict[str, str]:
    """{phone: customer id} for those of `phones` (E.164) that belong to a customer."""
    wanted = list(dict.fromkeys(phones))
    if not wanted:
        return {}
    rows = session.execute(select(customer_phones.c.phone, customer_phones.c.customer_id)
                           .where(among(session, customer_phones.c.phone, wanted)))
    return dict(rows.all())  # type: ignore[arg-type]  # rows of two columns are pairs


def external_id_holders(session: Session, external_ids: Iterable[str]) -> dict[str, list[str]]:
    """{external id: ids of the (unmerged) customers that carry it}."""
    wanted = list(dict.fromkeys(external_ids))
    holders: dict[str, list[str]] = {}
    if wanted:
        for external_id, customer_id in session.execute(
                select(customers.c.external_id, customers.c.id)
                .where(among(session, customers.c.external_id, wanted), customers.c.merged_into.is_(None))):
            holders.setdefault(external_id, []).append(customer_id)
    return holders


#: The tables a new customer is written to, in order, and the columns of its rows in each.
NEW_CUSTOMER_TABLES = (
    (customers, ("id", "version", "created_at", "updated_at", *COLUMNS)),
    (customer_phones, ("phone", "customer_id", "position", "digits_reversed")),
    (customer_emails, ("email", "customer_id")),
    (customer_tags, ("customer_id", "tag")),
    # with the customer's created_at (else a trigger looks it up, row by row) and what keys carry of it
    (customer_search_keys, ("customer_id", "kind", "position", "key", "created_at", *KEY_CARRIES)),
    (history, ("customer_id", "at", "actor", "action", "changes")),
    (consent_records, ("customer_id", "channel", "granted", "given_at", "source", "recorded_by", "recorded_at")),
    (outbox, OUTBOX_COLUMNS),
)
#: A new customer's rows, table by table in NEW_CUSTOMER_TABLES order, each row in its columns' order.
NewRows = tuple[list[tuple[Any, ...]], ...]
#: The same rows as the lines PostgreSQL's COPY reads (text format), one string a table.
NewText = tuple[str, ...]
_JSON_COLUMNS = tuple(tuple(isinstance(table.c[name].type, JSON) for name in columns)
                      for table, columns in NEW_CUSTOMER_TABLES)
_KEYS = [table for table, _ in NEW_CUSTOMER_TABLES].index(customer_search_keys)
#: COPY's text format: these characters are written escaped, None as \N.
_SPECIAL = re.compile(r"[\\\t\n\r]").search
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def new_customer_rows(record: dict[str, Any], keys: Sequence[SearchKey], change: dict[str, list[Any]], actor: str,
                      consent_source: str, created: tuple[Any, ...]) -> NewRows:
    """The rows a new customer is written as: itself (a column it lacks is NULL), its phones, e-mail, tags, search
    keys, its "imported" history, the consent it gave, and `created`, the outbox row of its
    customer.created.v1."""
    at, customer_id = record["created_at"], record["id"]
    carried = [record.get(name) for name in KEY_CARRIES]
    email = email_key(record.get("email"))
    return (
        [tuple(record.get(name) for name in NEW_CUSTOMER_TABLES[0][1])],
        [(phone, customer_id, position, digits(phone)[::-1])
         for position, phone in enumerate([record["phone"], *record["phones"]])],
        [(email, customer_id)] if email else [],
        [(customer_id, tag) for tag in record["tags"]],
        [(customer_id, key.kind, key.position, key.key, at, *carried) for key in keys],
        [(customer_id, at, actor, "imported", change)],
        # consent is opt-in: each channel granted is a grant given now, by this import (PIPL art. 14)
        [(customer_id, channel, True, at, consent_source, actor, at)
         for channel, granted in record["consent"].items() if granted],
        [created],
    )


def _escaped(text: str) -> str:
    return text.translate(_ESCAPES) if _SPECIAL(text) else text  # translate is slow on Chinese text: rarely


@functools.lru_cache(maxsize=256, typed=True)  # typed: True, 1 and 1.0 are one key otherwise
def _copy_other(value: Any) -> str:  # the same moment is on every row of a customer: written once
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _backslashes(text: str) -> str:
    return text.replace("\\", "\\\\") if "\\" in text else text


def _cells(row: tuple[Any, ...], as_json: tuple[bool, ...], text: Callable[[str], str]) -> list[str]:
    return [_NULL if value is None else text(dumps(value)) if is_json else text(value) if type(value) is str
            else _copy_other(value) for value, is_json in zip(row, as_json, strict=True)]


def _copy_line(row: tuple[Any, ...], as_json: tuple[bool, ...]) -> str:
    # first as if no text held a tab, newline or carriage return (looking for a backslash is cheap, a regular
    # expression on every cell is not), then the line is looked at once
    line = "\t".join(cells := _cells(row, as_json, _backslashes))
    if line.count("\t") == len(cells) - 1 and "\n" not in line and "\r" not in line:
        return line + "\n"
    return "\t".join(_cells(row, as_json, _escaped)) + "\n"


def copy_text(rows: NewRows) -> NewText:
    """`rows` as the lines PostgreSQL's COPY reads (text format), table by table."""
    text = []
    for place, (values, as_json) in enumerate(zip(rows, _JSON_COLUMNS, strict=True)):
        if place == _KEYS and values:  # a dozen a customer, with the same id, time and carried columns
            head = _escaped(values[0][0]) + "\t"
            tail = "\t" + "\t".join(_cells(values[0][4:], as_json[4:], _escaped)) + "\n"
            text.append("".join([f"{head}{row[1]}\t{row[2]}\t{_escaped(row[3])}{tail}" for row in values]))
        else:
            text.append("".join([_copy_line(row, as_json) for row in values]))
    return tuple(text)


def add_customers(session: Session, new: Sequence[NewRows] | Sequence[NewText], as_text: bool) -> None:
    """Insert new customers, each as `new_customer_rows` made them or (`as_text`, on PostgreSQL only) as
    `copy_text` wrote them: one COPY (elsewhere one executemany) per table."""
    if not new:
        return
    for place, (table, columns) in enumerate(NEW_CUSTOMER_TABLES):
        if as_text:
            text = "".join([each[place] for each in new])  # type: ignore[misc]
            if text:
                names = ", ".join(f'"{column}"' for column in columns)
                driver: Any = session.connection().connection.driver_connection  # psycopg's, for COPY
                with driver.cursor() as cursor, \
                        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    copy.write(text)
        else:
            bulk_insert(session, table, [dict(zip(columns, row, strict=True)) for each in new for row in each[place]])
