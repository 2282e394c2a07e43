"""The inbox: each event applied at most once per queue, in one transaction with what its handler does.

The event id goes into the inbox in the same transaction as the handler's effect, so a second delivery of the
same event is skipped. Several events may be applied in one transaction (servicekit.consumer does so with the
deliveries it already received); a handler with a `prepare` attribute sees the batch's new events first.
On PostgreSQL the batch's ids are claimed first, in one statement, and only the events claimed are applied;
elsewhere (SQLite) the ids are looked up first and inserted once the handlers ran.
The handlers' one-row INSERTs are written together and their INSERTs not awaited one by one
(servicekit.pipelined): a handler sees its rows in every read, and a failure still fails the batch.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, String, and_, bindparam, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from servicekit.db import given_keys, inbox, table_name, unit_of_work
from servicekit.events import Event, correlation_id
from servicekit.pipelined import inserts_pipelined

Handler = Callable[[Session, Event], None]


def apply_once(sessions: sessionmaker[Session], queue: str, event: Event, handler: Handler) -> str:
    """Apply `event` with `handler` unless `queue` already did; return "applied" or "duplicate"."""
    try:
        return apply_batch(sessions, [(queue, event, handler)])[0]
    except IntegrityError:
        # Either a concurrent delivery of the same event won the race, or the handler broke a constraint.
        with unit_of_work(sessions) as session:
            if session.execute(select(inbox.c.event_id).where(
                    inbox.c.queue == queue, inbox.c.event_id == event.id)).first():
                return "duplicate"
        raise


def _already_applied(session: Session, queue: str, ids: list[str]) -> set[str]:
    """Which of `ids` the inbox holds for `queue`.

    On PostgreSQL the ids are one array joined to the inbox (one index lookup per id, whatever the
    statistics say). A plain `IN (…)` let the planner look up only the queue in the index and filter
    every inbox row of it against the list once its statistics lagged behind a growing inbox (or in
    the generic plan of the prepared statement): seconds per batch at tens of thousands of rows.
    """
    if session.get_bind().dialect.name == "postgresql":
        given = given_keys(literal(ids, ARRAY(String)), "id")
        query = select(inbox.c.event_id).join_from(
            given, inbox, and_(inbox.c.queue == queue, inbox.c.event_id == given.c.id))
    else:
        query = select(inbox.c.event_id).where(inbox.c.queue == queue, inbox.c.event_id.in_(ids))
    return set(session.execute(query).scalars())


def _claim(session: Session, items: list[tuple[str, Event, Handler]], now: datetime) -> set[tuple[str, str]]:
    """On PostgreSQL: put the batch's events into the inbox in one statement and return the (queue, event id)
    pairs this transaction claimed; the others were applied before."""
    return {(queue, event_id) for queue, event_id in session.execute(*_claim_statement(session, items, now))}


def _claim_statement(session: Session, items: list[tuple[str, Event, Handler]], now: datetime) -> tuple[Any, dict]:
    """The statement claiming the batch's events, and its parameters: `INSERT … ON CONFLICT DO NOTHING` of the
    whole batch (one JSON parameter, written by orjson) answering the (queue, event id) pairs it inserted. An id
    the inbox already holds is left out, and one that another transaction is inserting makes this one wait for
    it, then counts as applied if it committed (claimed here if it rolled back). The rows go in the order of
    their keys, so two transactions claiming overlapping batches take their locks in the same order. The
    inbox is the one the session's statements would use (`schema_translate_map` included)."""
    keys = sorted({(queue, event.id): event.type for queue, event, _ in items}.items())
    batch = orjson.dumps([(queue, event_id, type_) for (queue, event_id), type_ in keys]).decode()
    claim = text(
        f"INSERT INTO {table_name(session.connection(), inbox)} (queue, event_id, type, applied_at) "
        "SELECT e.row ->> 0, e.row ->> 1, e.row ->> 2, :now "
        "FROM json_array_elements(CAST(:batch AS json)) WITH ORDINALITY AS e(row, n) "
        "ORDER BY e.n ON CONFLICT DO NOTHING RETURNING queue, event_id"
    ).bindparams(bindparam("now", type_=DateTime(timezone=True)))
    return claim, {"batch": batch, "now": now}


def _not_yet_applied(session: Session, items: list[tuple[str, Event, Handler]]) -> set[tuple[str, str]]:
    """Elsewhere (SQLite): the (queue, event id) pairs of the batch the inbox does not hold yet (their rows
    are inserted once the handlers ran: a concurrent delivery fails the batch on the inbox's key)."""
    keys = {(queue, event.id) for queue, event, _ in items}
    for queue in {queue for queue, _ in keys}:
        keys -= {(queue, event_id) for event_id in _already_applied(session, queue,
                                                                    [i for q, i in keys if q == queue])}
    return keys


def apply_batch(sessions: sessionmaker[Session], items: list[tuple[str, Event, Handler]]) -> list[str]:
    """Apply several events in one transaction (each at most once per queue); all or nothing.

    One commit for many events is what lets a consumer keep up with the broker; a failure rolls the
    whole batch back, and the caller then applies its events one by one to isolate the bad one.
    An event found twice in the batch is applied once (its first time), then counts as a duplicate.
    """
    bind = sessions.kw.get("bind")
    if (len(items) > 1 and bind is not None and bind.dialect.name == "postgresql"
            and all(getattr(handler, "prepare", None) is not None for _, _, handler in items)):
        try:
            return _apply_claiming_beside(sessions, items)
        except _ClaimFirst:
            pass  # claimed first, below, and the events applied before left out
    outcomes: list[str] = []
    with unit_of_work(sessions) as session:
        now = datetime.now(UTC)
        claiming = session.get_bind().dialect.name == "postgresql"
        new = _claim(session, items, now) if claiming else _not_yet_applied(session, items)
        todo = []
        for queue, event, handler in items:
            if (queue, event.id) in new:
                new.discard((queue, event.id))
                todo.append((queue, event, handler))
                outcomes.append("applied")
            else:
                outcomes.append("duplicate")
        _prepare(session, [(event, handler) for _, event, handler in todo])
        with inserts_pipelined(session):
            _handle(session, todo)
        if todo and not claiming:
            session.execute(inbox.insert(), [{"queue": queue, "event_id": event.id, "type": event.type,
                                              "applied_at": now} for queue, event, _ in todo])
    return outcomes


class _ClaimFirst(Exception):
    """The batch is to be claimed before it is applied: some of its events were in the inbox already (the batch
    applied beside its claim is rolled back), or its INSERTs are not pipelined."""


def _apply_claiming_beside(sessions: sessionmaker[Session], items: list[tuple[str, Event, Handler]]) -> list[str]:
    """A batch whose handlers all load its rows up front (`prepare`), on PostgreSQL: the rows loaded, then the
    batch's claim sent and the handlers run while the database inserts it (about a third of the time the
    database takes for a reporting batch), its answer read before the commit. Raise _ClaimFirst (the transaction
    rolled back) if it did not claim every event (a redelivery): `apply_batch` then claims first. A handler's own
    read waits for the claim's answer, as every statement waits for the INSERTs queued before it."""
    first: dict[tuple[str, str], tuple[str, Event, Handler]] = {}
    for queue, event, handler in items:
        first.setdefault((queue, event.id), (queue, event, handler))
    todo = list(first.values())
    with unit_of_work(sessions) as session:
        _prepare(session, [(event, handler) for _, event, handler in todo])
        with inserts_pipelined(session) as pipeline:
            if pipeline is None:
                raise _ClaimFirst
            claim = pipeline.send(*_claim_statement(session, todo, datetime.now(UTC)))
            _handle(session, todo)
        with claim:
            if len(claim.fetchall()) < len(todo):
                raise _ClaimFirst
    seen: set[tuple[str, str]] = set()
    outcomes = []
    for queue, event, _ in items:
        outcomes.append("duplicate" if (queue, event.id) in seen else "applied")
        seen.add((queue, event.id))
    return outcomes


def _handle(session: Session, todo: list[tuple[str, Event, Handler]]) -> None:
    """Run each event's handler, with its correlation id set."""
    for _, event, handler in todo:
        token = correlation_id.set(event.correlationid)
        try:
            handler(session, event)
        finally:
            correlation_id.reset(token)


def _prepare(session: Session, items: list[tuple[Event, Handler]]) -> None:
    """Let each handler that has a `prepare` attribute see the batch's new events before they are applied.

    A handler reading rows per event (a read model) can then load them all in one query per table
    instead of one query per event: `handler.prepare(session, events)`, in the batch's transaction.
    """
    by_handler: dict[Handler, list[Event]] = {}
    for event, handler in items:
        if getattr(handler, "prepare", None) is not None:
            by_handler.setdefault(handler, []).append(event)
    for handler, events in by_handler.items():
        handler.prepare(session, events)  # type: ignore[attr-defined]
