"""Idempotency keys: a write retried with the same `Idempotency-Key` is done once and answered alike.

A client that did not hear the answer to a POST (timeout, dropped connection) sends it again with the
same key; the service replays the first answer instead of acting twice (PRODUCT contract 3.1;
https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/).

- The key is claimed (a row committed) before the view runs, so a concurrent twin gets 409 instead of
  running alongside; the answer is stored when the view is done. A failed request (5xx, or an error)
  releases the key, so it can be retried.
- The work's own transaction marks the key as done (status 0) as it commits, so the key knows whether the work
  was kept even when the answer was lost with the database connection (servicekit.db_outages): such a key is
  answered 409, never run twice; a key whose work was not kept is released and may be sent again.
- A claim left unfinished (its release lost with the database, its worker killed) is taken over by a retry
  ABANDONED_AFTER seconds on. The claim's time is its fencing token: the request that made it marks, stores or
  releases the key only while the key still carries that time, so a first request overtaken by a retry can no
  longer commit its work (it is rolled back, and answered 409), nor free or overwrite the retry's claim.
- Keys belong to the caller: the same key from two callers are two keys. The same key with another
  method, path or body is a 422. Keys are kept for `ttl` seconds (24 hours by default).
- Answers that mention an erased customer are forgotten (`forget`), in the erasure's transaction.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from servicekit.db import idempotency_keys
from servicekit.problems import problem_response

HEADER = "Idempotency-Key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")
#: The status of a key whose work was committed and whose answer was not stored (the connection was lost).
WORK_KEPT = 0
#: Seconds after which a claim whose request has not finished may be taken by a retry. Safe at any value (the
#: claim's time fences the first request off); a minute is far past the gateway's timeout (10 s), so a request
#: still working that long is given up by its client, and a retry does not wait for long.
ABANDONED_AFTER = 60

log = logging.getLogger(__name__)


class Overtaken(Exception):
    """The request's claim on its key was taken over by a retry (the request ran past ABANDONED_AFTER): its work
    must not be kept."""


def _key_filter(claimed: tuple[str, str, datetime]) -> tuple:
    """The key as this request claimed it: its key, its caller, and the claim's time (its fencing token)."""
    return (idempotency_keys.c.key == claimed[0], idempotency_keys.c.caller == claimed[1],
            idempotency_keys.c.created_at == claimed[2])


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection: Connection, _cursor, statement: str, *_args) -> None:
    if not statement.lstrip()[:6].upper() == "SELECT":
        connection.info["servicekit_wrote"] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _forget_writes(connection: Connection) -> None:
    if not connection.invalidated:  # a lost connection's transaction is gone, and its info with it
        connection.info.pop("servicekit_wrote", None)


@event.listens_for(Session, "before_commit")
def _mark_work_kept(session: Session) -> None:
    """In the transaction of the request's work, as it commits something it wrote: the key's work is kept
    (WORK_KEPT), until its answer is stored. Committed together, so the mark exists exactly when the work does."""
    if not has_request_context():
        return
    claimed = g.get("idempotency_key")
    if claimed is not None and not g.get("idempotency_marked"):
        session.flush()
        if not session.connection().info.get("servicekit_wrote"):
            return  # a read: nothing of the request is kept yet
        marked = session.execute(update(idempotency_keys).where(
            *_key_filter(claimed), idempotency_keys.c.status.is_(None)).values(status=WORK_KEPT))
        if marked.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult, typed Result
            raise Overtaken(claimed[0])
        g.idempotency_marked = True


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}?{request.query_string.decode()}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def register(app: Flask, engine: Engine, ttl_seconds: int = 86400) -> None:
    """Honour `Idempotency-Key` on every write of `app` (after authentication)."""
    app.register_error_handler(Overtaken, _overtaken)

    @app.before_request
    def _claim() -> Response | None:
        return _claim_key(engine, ttl_seconds)

    @app.after_request
    def _store(response: Response) -> Response:
        return _store_answer(engine, response)

    @app.teardown_request
    def _release(error: BaseException | None) -> None:
        claimed = g.pop("idempotency_key", None)
        if claimed is not None:  # the view raised past the error handlers: let the client retry
            with engine.begin() as connection:
                _release_unless_kept(connection, claimed)


def _overtaken(_error: Overtaken) -> Response:
    return problem_response(409, "Conflict", f"This request ran so long that a retry with the same {HEADER} "
                            "took it over; nothing of this one was kept (the retry's answer stands).")


def _claim_key(engine: Engine, ttl_seconds: int) -> Response | None:
    """Before a write's view: claim its key for the request (None: go on), or answer from the key's state."""
    key = request.headers.get(HEADER)
    identity = g.get("identity")
    if key is None or request.method not in WRITES or identity is None:
        return None
    if not 1 <= len(key) <= 200:
        return problem_response(422, "Unprocessable Entity", f"{HEADER} must be 1 to 200 characters.",
                                errors={HEADER: ["Must be 1 to 200 characters."]})
    caller, fingerprint, now = identity.subject, _fingerprint(), datetime.now(UTC)
    stored = _insert_claim(engine, (key, caller), fingerprint, now, ttl_seconds)
    if stored is None:
        g.idempotency_key = (key, caller, now)
        return None
    if stored.fingerprint != fingerprint:
        return problem_response(422, "Unprocessable Entity",
                                f"This {HEADER} was used for a different request; use a new key.",
                                errors={HEADER: ["Already used for a different request."]})
    if stored.status is None and _take_over_abandoned(engine, (key, caller), fingerprint, now):
        g.idempotency_key = (key, caller, now)
        return None
    log.info("%s %s: %s %s answered from the key's state (%s; request %s)", HEADER, key, request.method,
             request.path, "pending" if stored.status is None else stored.status, g.get("request_id"))
    return _stored_answer(stored)


def _insert_claim(engine: Engine, key: tuple[str, str], fingerprint: str, now: datetime,
                  ttl_seconds: int) -> Row | None:
    """Claim the (key, caller) pair with a row of its own, committed, the expired keys deleted first; None
    when claimed, else the row of the key that was there already."""
    try:
        with engine.begin() as connection:
            connection.execute(delete(idempotency_keys).where(
                idempotency_keys.c.created_at < now - timedelta(seconds=ttl_seconds)))
            connection.execute(idempotency_keys.insert().values(
                key=key[0], caller=key[1], fingerprint=fingerprint, created_at=now))
    except IntegrityError:
        with engine.connect() as connection:
            return connection.execute(select(idempotency_keys).where(
                idempotency_keys.c.key == key[0], idempotency_keys.c.caller == key[1])).one()
    return None


def _stored_answer(stored: Row) -> Response:
    """The answer to a request whose key is taken by the same request: still being processed, done with its
    answer lost, or the stored answer, replayed."""
    if stored.status is None:
        return problem_response(409, "Conflict", f"A request with this {HEADER} is still being processed.")
    if stored.status == WORK_KEPT:
        return problem_response(409, "Conflict", f"The request with this {HEADER} was done, but its answer "
                                "was lost when the database connection dropped. Look up what it made or "
                                "changed instead of sending it again.")
    response = Response(stored.body, status=stored.status)
    for name, value in json.loads(stored.headers).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _store_answer(engine: Engine, response: Response) -> Response:
    """After a claimed write's view: store its answer with the key, or release the key after a failure."""
    claimed = g.pop("idempotency_key", None)
    if claimed is None:
        return response
    log.info("%s %s: %s %s answered %d%s (request %s)", HEADER, claimed[0], request.method, request.path,
             response.status_code, ", its work kept" if g.get("idempotency_marked") else "", g.get("request_id"))
    try:
        with engine.begin() as connection:
            if response.status_code >= 500 or response.is_streamed:
                _release_unless_kept(connection, claimed)
            else:
                headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
                connection.execute(update(idempotency_keys).where(*_key_filter(claimed)).values(
                    status=response.status_code, body=response.get_data(), headers=json.dumps(headers)))
    except DBAPIError as error:  # the database went away after the work: the answer stands, the key waits
        log.warning("could not store the answer to %s %s (%s)", HEADER, claimed[0], type(error.orig).__name__)
    return response


def _take_over_abandoned(engine: Engine, key: tuple[str, str], fingerprint: str, now: datetime) -> bool:
    """Claim a key whose first request was left unfinished (its claim could not be released because the database
    went away, or its worker was killed), ABANDONED_AFTER seconds on, with a claim time of its own (`now`). Its work
    was not kept: a kept one has its status set, and the first request, fenced off, can no longer set it."""
    with engine.begin() as connection:
        taken = connection.execute(update(idempotency_keys).where(
            idempotency_keys.c.key == key[0], idempotency_keys.c.caller == key[1],
            idempotency_keys.c.fingerprint == fingerprint,
            idempotency_keys.c.status.is_(None),
            idempotency_keys.c.created_at < now - timedelta(seconds=ABANDONED_AFTER)).values(created_at=now))
    return taken.rowcount == 1


def _release_unless_kept(connection: Connection, claimed: tuple[str, str, datetime]) -> None:
    """Free the key for another try, unless its work was committed (then a retry must not do it again)."""
    connection.execute(delete(idempotency_keys).where(*_key_filter(claimed), or_(
        idempotency_keys.c.status.is_(None), idempotency_keys.c.status != WORK_KEPT)))



def forget(executor: Session | Connection, needles: Iterable[str]) -> int:
    """Delete every stored answer that mentions one of `needles` (an erased customer's id, name, phone …).

    Call it in the transaction of the erasure; returns how many answers went. A retry with a forgotten
    key is a new request.
    """
    wanted = [needle.encode() for needle in dict.fromkeys(needles) if needle]
    if not wanted:
        return 0
    dialect = (executor.get_bind() if isinstance(executor, Session) else executor).dialect.name
    # SQLite's LIKE does not look into blobs, its instr does; the bytes are checked again below either way
    # (LIKE's % and _ in a needle match more than the needle)
    holds = [(func.instr(idempotency_keys.c.body, needle) > 0) if dialect == "sqlite"
             else idempotency_keys.c.body.contains(needle) for needle in wanted]
    found = executor.execute(select(idempotency_keys.c.key, idempotency_keys.c.caller, idempotency_keys.c.body)
                             .where(idempotency_keys.c.body.is_not(None), or_(*holds))).all()
    hits = [(row.key, row.caller) for row in found if any(needle in bytes(row.body) for needle in wanted)]
    for key, caller in hits:
        executor.execute(delete(idempotency_keys).where(idempotency_keys.c.key == key,
                                                        idempotency_keys.c.caller == caller))
    return len(hits)
