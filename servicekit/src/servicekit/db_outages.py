"""When the database fails under a unit of work: a restart, a fail-over, a terminated backend, a serialization
failure or a deadlock.

Such a failure says nothing about the request; run again a moment later, the same work succeeds. So:

- a web request whose work failed this way *before anything was committed* is run again (up to
  CRM_DB_RETRIES times, with exponential backoff and jitter): it changed nothing, and the request (its body
  already read) is the same; the caller never sees the outage;
- once a commit has been attempted in the request, running it again could do the work twice (a commit whose
  answer was lost may have happened): the caller is answered 503 with Retry-After, and says whether its change
  was kept by sending it again with the same Idempotency-Key (servicekit.idempotency answers the first outcome);
- a database that stays away past the retries is answered 503 with Retry-After too, never 500;
- a consumer rides out the outage in place, the delivery unacknowledged (servicekit.consumer), so an outage
  spends none of the event's tries and never dead-letters it.

The errors are recognised by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html) and by
SQLAlchemy's disconnect detection (`connection_invalidated`). A pool connection that died while idle never
reaches a request: the engine checks one idle for a while on checkout (servicekit.db.PING_IDLE_AFTER); one in
steady use that the server dropped fails its first statement, which is such a transient failure.
"""
from __future__ import annotations

import contextvars
import logging
import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from servicekit.problems import problem_response

log = logging.getLogger(__name__)
T = TypeVar("T")

#: serialization_failure, deadlock_detected: the transaction was rolled back and may simply run again.
ROLLED_BACK = frozenset({"40001", "40P01"})
#: admin_shutdown (a restart, pg_terminate_backend), crash_shutdown, cannot_connect_now (starting up or
#: shutting down), and class 08, connection exceptions.
CONNECTION_LOST = frozenset({"57P01", "57P02", "57P03"})
#: Seconds a caller is asked to wait before trying again.
RETRY_AFTER = 2

_commits: contextvars.ContextVar[int] = contextvars.ContextVar("servicekit_db_commits", default=0)


def transient(error: BaseException) -> bool:
    """Whether `error` is the database going away or a transaction it rolled back for a conflict: the same
    work, run again a moment later, can succeed."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause = error.orig
    if isinstance(cause, sqlite3.Error):
        return False  # SQLite has no server to lose, and waits out its own locks (busy_timeout)
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None:
        # psycopg raises OperationalError without a SQLSTATE when it cannot reach the server at all
        return type(cause).__name__ == "OperationalError"
    return sqlstate in ROLLED_BACK or sqlstate in CONNECTION_LOST or sqlstate.startswith("08")


def backoff(attempt: int, first: float = 0.1, most: float = 2.0) -> float:
    """Seconds to wait before try `attempt` (1, 2, ...): doubling from `first`, at most `most`, with jitter so
    that the workers of a restarted database do not all come back in the same instant."""
    return min(most, first * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def count_commits(engine: Engine) -> None:
    """Count, per request (or any context), the commits attempted on `engine`: SQLAlchemy's `commit` event fires
    before the COMMIT is sent, so a commit whose answer is lost is counted too."""
    @event.listens_for(engine, "commit")
    def _counted(_connection) -> None:
        _commits.set(_commits.get() + 1)


def run_again_while_unchanged(work: Callable[[], T], retries: int) -> T:
    """`work()`, run again after a transient failure as long as it had committed nothing (at most `retries`
    more times). Any other failure, or one after a commit was attempted, is raised."""
    attempt = 0
    while True:
        token = _commits.set(0)
        try:
            return work()
        except DBAPIError as error:
            committed = _commits.get()
            attempt += 1
            if not transient(error) or committed or attempt > retries:
                error.servicekit_committed = bool(committed)  # type: ignore[attr-defined]  # read by the 503 below
                raise
            log.warning("database unavailable (%s); running the request again (%d of %d)",
                        type(error.orig).__name__, attempt, retries)
            time.sleep(backoff(attempt))
        finally:
            _commits.reset(token)


def register(app: Flask, engine: Engine, retries: int) -> None:
    """Run each request of `app` again after a transient database failure while it has committed nothing,
    and answer the failures that remain 503 with Retry-After."""
    count_commits(engine)
    dispatch = app.dispatch_request
    app.dispatch_request = lambda: run_again_while_unchanged(dispatch, retries)  # type: ignore[method-assign]


def unavailable(error: DBAPIError) -> Response:
    """The 503 for a transient failure that was not, or could not be, run again."""
    if getattr(error, "servicekit_committed", False):
        detail = ("The connection to the database was lost while this change was being saved, so whether it was "
                  "saved is not known. Send the same request again with the same Idempotency-Key: it is done "
                  "once either way.")
    else:
        detail = "The database is unavailable for a moment (restarting or switching over); nothing was changed. " \
                 "Try again shortly."
    response = problem_response(503, "Service Unavailable", detail)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response
