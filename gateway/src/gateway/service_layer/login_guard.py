"""Failed password logins, counted across every worker and replica (gateway.domain.throttle says the rules)."""
from __future__ import annotations

from datetime import UTC, datetime

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from gateway.adapters.login_failures import LoginFailures
from gateway.domain.throttle import LoginPolicy, held_back_until


def _now() -> datetime:
    return datetime.now(UTC)


def wait_before_login(sessions: sessionmaker[Session], policy: LoginPolicy, username: str, address: str) -> float:
    """Seconds before a login of `username` from `address` may be tried; 0 when it may be tried now."""
    now = _now()
    with unit_of_work(sessions) as session:
        until = held_back_until(policy, LoginFailures(session, policy).recent(username, address, now))
    return max(0.0, (until - now).total_seconds()) if until else 0.0


def login_failed(sessions: sessionmaker[Session], policy: LoginPolicy, username: str, address: str) -> None:
    """Count a failed login of `username` from `address`."""
    with unit_of_work(sessions) as session:
        LoginFailures(session, policy).add(username, address, _now())


def login_succeeded(sessions: sessionmaker[Session], policy: LoginPolicy, username: str, address: str) -> None:
    """Forget the failures of `username` from `address` (the user's own typos, most likely)."""
    with unit_of_work(sessions) as session:
        LoginFailures(session, policy).clear(username, address)
