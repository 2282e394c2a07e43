"""A time limit on each database statement of a web request (CRM_STATEMENT_TIMEOUT), answered as a 503.

One slow request (a report over decades, a search no index serves) would otherwise hold its worker thread
and database connection for as long as the database takes, and a handful of them starve every other
request of the service. PostgreSQL cuts a statement at `statement_timeout` itself, waiting on a lock
included (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT);
on SQLite a progress handler interrupts it. The engine sets either up (servicekit.db.make_engine); only
web processes ask for one: relays, consumers, migrations and the scheduled workers run without.
"""
from __future__ import annotations

import logging
import sqlite3

from flask import Flask, Response
from sqlalchemy.exc import OperationalError

from servicekit import db_outages
from servicekit.problems import problem_response

log = logging.getLogger(__name__)
#: SQLSTATE query_canceled: the statement ran past statement_timeout (or was cancelled).
QUERY_CANCELED = "57014"


def cancelled(error: BaseException) -> bool:
    """Whether `error` is a statement the database cut short."""
    cause = getattr(error, "orig", None)
    if isinstance(cause, sqlite3.OperationalError):
        return str(cause) == "interrupted"
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED


def register(app: Flask, seconds: float | None) -> None:
    """Answer a request whose statement was cut as 503 (the service is fine: this request asked too much)."""

    @app.errorhandler(OperationalError)
    def _operational(error: OperationalError) -> Response:
        if db_outages.transient(error):
            log.warning("database unavailable: %s", error.orig)
            return db_outages.unavailable(error)
        if not cancelled(error):
            log.exception("unhandled database error")
            return problem_response(500, "Internal Server Error", "An unexpected error occurred; it has been logged.")
        log.warning("a statement was cut short (statement timeout %s s): %s", seconds, error.statement)
        if not seconds:  # cancelled from outside, e.g. by an administrator
            return problem_response(503, "Service Unavailable", "The database cancelled this request's statement; "
                                    "try again later.")
        return problem_response(
            503, "Service Unavailable",
            f"The request needed a database statement longer than this service allows ({seconds:g} s, "
            "CRM_STATEMENT_TIMEOUT). Ask for less (a shorter period, a narrower search) or try again later.",
            limit_seconds=seconds)
