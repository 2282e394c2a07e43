"""Idempotency keys: a write retried with the same `Idempotency-Key` is done once and answered alike.

A client that did not hear the answer to a POST (timeout, dropped connection) sends it again with the
same key; the service replays the first answer instead of acting twice (PRODUCT contract 3.1;
https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/).

- The key is claimed (a row committed) before the view runs, so a concurrent twin gets 409 instead of
  running alongside; the answer is stored when the view is done. A failed request (5xx, or an error)
  releases the key, so it can be retried.
- Keys belong to the caller: the same key from two callers are two keys. The same key with another
  method, path or body is a 422. Keys are kept for `ttl` seconds (24 hours by default).
- Answers that mention an erased customer are forgotten (`forget`), in the erasure's transaction.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, g, request
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit.db import idempotency_keys
from servicekit.problems import problem_response

HEADER = "Idempotency-Key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}?{request.query_string.decode()}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def register(app: Flask, engine: Engine, ttl_seconds: int = 86400) -> None:
    """Honour `Idempotency-Key` on every write of `app` (after authentication)."""

    @app.before_request
    def _claim() -> Response | None:
        key = request.headers.get(HEADER)
        identity = g.get("identity")
        if key is None or request.method not in WRITES or identity is None:
            return None
        if not 1 <= len(key) <= 200:
            return problem_response(422, "Unprocessable Entity", f"{HEADER} must be 1 to 200 characters.",
                                    errors={HEADER: ["Must be 1 to 200 characters."]})
        caller, fingerprint, now = identity.subject, _fingerprint(), datetime.now(UTC)
        try:
            with engine.begin() as connection:
                connection.execute(delete(idempotency_keys).where(
                    idempotency_keys.c.created_at < now - timedelta(seconds=ttl_seconds)))
                connection.execute(idempotency_keys.insert().values(
                    key=key, caller=caller, fingerprint=fingerprint, created_at=now))
        except IntegrityError:
            with engine.connect() as connection:
                stored = connection.execute(select(idempotency_keys).where(
                    idempotency_keys.c.key == key, idempotency_keys.c.caller == caller)).one()
        else:
            g.idempotency_key = (key, caller)
            return None
        if stored.fingerprint != fingerprint:
            return problem_response(422, "Unprocessable Entity",
                                    f"This {HEADER} was used for a different request; use a new key.",
                                    errors={HEADER: ["Already used for a different request."]})
        if stored.status is None:
            return problem_response(409, "Conflict", f"A request with this {HEADER} is still being processed.")
        response = Response(stored.body, status=stored.status)
        for name, value in json.loads(stored.headers).items():
            response.headers[name] = value
        response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.after_request
    def _store(response: Response) -> Response:
        claimed = g.pop("idempotency_key", None)
        if claimed is None:
            return response
        key, caller = claimed
        where = (idempotency_keys.c.key == key, idempotency_keys.c.caller == caller)
        with engine.begin() as connection:
            if response.status_code >= 500 or response.is_streamed:
                connection.execute(delete(idempotency_keys).where(*where))
            else:
                headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
                connection.execute(update(idempotency_keys).where(*where).values(
                    status=response.status_code, body=response.get_data(), headers=json.dumps(headers)))
        return response

    @app.teardown_request
    def _release(error: BaseException | None) -> None:
        claimed = g.pop("idempotency_key", None)
        if claimed is not None:  # the view raised past the error handlers: let the client retry
            with engine.begin() as connection:
                connection.execute(delete(idempotency_keys).where(
                    idempotency_keys.c.key == claimed[0], idempotency_keys.c.caller == claimed[1]))



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
