"""The checks of an import that need no database, row by row, here or in a second process.

Everything a row's outcome depends on apart from the archive — reading its cells, its key, the API's
checks, the customer it would become, and for a new customer its record, its `customer.created.v1`
data (checked against the contract), its search keys and its history — is a pure function of the row.
`prepared_chunks` computes it chunk by chunk, and for a large file in a worker process one or two chunks
ahead, so that checking the next rows takes turns on the second core with writing the current ones. The
use case (imports.py) then decides each row against the archive and the rows above exactly as before:
the same functions, in the same order, give the same customers and the same errors either way.
"""
from __future__ import annotations

import functools
import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from servicekit.events import new_event
from servicekit.outbox import outbox_row

from customer import events
from customer.adapters.imports import NewRows, NewText, copy_text, new_customer_rows
from customer.adapters.rows import now
from customer.domain.customers import EDITABLE_FIELDS, new_customer_id, shape
from customer.domain.duplicates import email_key
from customer.domain.errors import InvalidFields
from customer.domain.phones import InvalidPhone, normalise_phone
from customer.domain.pinyin import SearchKey, search_keys
from customer.domain.points import NEW_MEMBER
from customer.domain.transfer import row_values
from customer.events import CONTRACT

#: The checks of the API on one row's values: (values loaded, {field: messages}); `partial` for an update.
Checker = Callable[[dict[str, Any], bool], tuple[dict[str, Any], dict[str, list[str]]]]
Row = tuple[int, Sequence[Any]]
#: Chunks checked ahead of the one being written (each waits, checked, in memory).
AHEAD = 3


@dataclass(frozen=True)
class RowSettings:
    """What the checks of a row depend on (besides the row): picklable, for the worker process."""

    mode: str
    key: str
    dry_run: bool
    store_id: str | None
    actor: str
    consent_source: str
    correlation: str  # of every event the import writes
    as_copy_text: bool  # new customers' rows as COPY text (PostgreSQL), else as tuples


class NewCustomer(NamedTuple):
    """A row as the customer it would create: its new id and its rows in each table (customer, phones, tags,
    search keys, history of its creation, consent, and its customer.created.v1, checked against the contract,
    in the outbox), as COPY text on PostgreSQL."""

    id: str
    rows: NewRows | NewText


class PreparedRow(NamedTuple):
    """One row after the checks that need no database (a tuple: a thousand at a time come back from the worker).

    `problem` ({field: messages}): the row cannot be read or has no usable key (nothing else was checked).
    Otherwise `key`, and in update mode (`partial`) `loaded` and `problems`: the API's checks of its values
    as an edit. In the other modes `problems` (the checks as a new customer), else `new_problem` (what
    `shape` refuses), else the `numbers` the new customer would hold (its phone, then its other phones)
    and, unless a dry run, `new`. `values` are kept for rows that may turn out an update (upsert, update).
    """

    line: int
    values: dict[str, Any]
    key: str | None = None
    problem: dict[str, list[str]] | None = None
    partial: bool = False
    loaded: dict[str, Any] | None = None
    problems: dict[str, list[str]] | None = None
    new_problem: dict[str, list[str]] | None = None
    numbers: tuple[str, ...] = ()
    new: NewCustomer | None = None
    #: the new customer's e-mail as compared (customer.domain.duplicates.email_key), and the store the row names
    email: str | None = None
    store_id: str | None = None


def key_of(values: dict[str, Any], key: str) -> str:
    """The row's key (a phone in E.164, or the external id as written); InvalidFields when it has none."""
    raw = values.get(key)
    if raw is None:
        raise InvalidFields.one(key, f"Every row needs a {key}: it is the key of this import.")
    if key == "phone":
        try:
            return normalise_phone(str(raw))
        except InvalidPhone as exc:
            raise InvalidFields.one("phone", str(exc)) from None
    return str(raw)


@functools.lru_cache(maxsize=65536)
def _keys_of_name(name: str) -> tuple[SearchKey, ...]:
    return tuple(search_keys(name))  # names repeat (张伟, 王芳 …): their pinyin is worked out once


def prepare_chunk(chunk: list[Row], fields: list[str | None], settings: RowSettings,
                  check: Checker) -> list[PreparedRow]:
    """Every row of `chunk` as far as it can be checked without the archive."""
    moment = now()
    return [_prepare(line, cells, fields, settings, check, moment) for line, cells in chunk]


def _prepare(line: int, cells: Sequence[Any], fields: list[str | None], settings: RowSettings, check: Checker,
             moment: datetime) -> PreparedRow:
    values, unreadable = row_values(fields, cells)
    try:
        if unreadable:
            raise InvalidFields({name: [message] for name, message in unreadable.items()})
        key = key_of(values, settings.key)
    except InvalidFields as problem:
        return PreparedRow(line, values, problem=problem.errors)  # the errors, not the exception: they are pickled
    store = values.get("store_id") if isinstance(values.get("store_id"), str) else None
    if settings.mode == "update":
        loaded, problems = check(values, True)
        return PreparedRow(line, values, key, partial=True, loaded=loaded, problems=problems, store_id=store)
    loaded, problems = check(values, False)
    kept = {} if settings.mode == "create" else values  # an upsert's row may turn out an update: checked again then
    if problems:
        return PreparedRow(line, kept, key, problems=problems, store_id=store)
    try:
        wanted = shape(None, {"store_id": settings.store_id, **loaded})
    except InvalidFields as problem:
        return PreparedRow(line, kept, key, new_problem=problem.errors, store_id=store)
    new = None if settings.dry_run else _new_customer(wanted, moment, settings)
    return PreparedRow(line, kept, key, numbers=(wanted["phone"], *wanted["phones"]), new=new,
                       email=email_key(wanted.get("email")), store_id=store)


def _new_customer(wanted: dict[str, Any], moment: datetime, settings: RowSettings) -> NewCustomer:
    record: dict[str, Any] = {"id": new_customer_id(), "version": 1, **wanted, **NEW_MEMBER, "created_at": moment,
              "updated_at": moment}
    data = CONTRACT.event_data(events.CUSTOMER_CREATED, record)
    # the history of a new record: each field given, from nothing (as the event carries it, already JSON)
    changes = {name: [None, data[name]] for name in EDITABLE_FIELDS if data.get(name) not in (None, [], {})}
    created = new_event(CONTRACT.service, events.CUSTOMER_CREATED, record["id"], data, settings.correlation)
    rows = new_customer_rows(record, _keys_of_name(record["name"]), changes, settings.actor,
                             settings.consent_source, outbox_row(created, moment))
    return NewCustomer(record["id"], copy_text(rows) if settings.as_copy_text else rows)


def prepared_chunks(chunks: Iterable[list[Row]], fields: list[str | None], settings: RowSettings, check: Checker,
                    pipelined: bool) -> Iterator[tuple[list[Row], list[PreparedRow]]]:
    """(chunk, its rows prepared) for each chunk in order; `pipelined`: prepared in a worker process, up to
    AHEAD chunks before the caller asks for them."""
    if not pipelined:
        for chunk in chunks:
            yield chunk, prepare_chunk(chunk, fields, settings, check)
        return
    # a fresh interpreter, not a fork: imports run in a thread of the web process, and forking a threaded
    # process copies locks that other threads hold
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_settle,
                             initargs=(check,)) as pool:
        pending: deque[tuple[list[Row], Future[list[PreparedRow]]]] = deque()
        try:
            for chunk in chunks:
                pending.append((chunk, pool.submit(prepare_chunk, chunk, fields, settings, check)))
                if len(pending) > AHEAD:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _, future in pending:
                future.cancel()


def _settle(check: Checker) -> None:
    """The worker, once started (`check` is passed only so that its modules are loaded by now): what it has
    loaded is there for good, pypinyin's dictionaries among it (some 300,000 objects), and is frozen out of
    the garbage collector's reach, which would otherwise walk all of it again at every full collection
    (about a tenth of the worker's time)."""
    gc.freeze()
