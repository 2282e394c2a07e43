"""Failed password logins in the gateway's database, which every worker and replica shares."""
from __future__ import annotations

from datetime import datetime, timedelta

from servicekit.timestamps import as_utc
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.adapters.tables import login_failures
from gateway.domain.throttle import LoginPolicy, RecentFailures


class LoginFailures:
    """The failures of the last window, counted per username and address, username, and address."""

    def __init__(self, session: Session, policy: LoginPolicy) -> None:
        self.session = session
        self.policy = policy

    def _newest(self, limit: int, since: datetime, *conditions) -> list[datetime]:
        query = (select(login_failures.c.failed_at).where(login_failures.c.failed_at > since, *conditions)
                 .order_by(login_failures.c.failed_at.desc()).limit(limit))
        return [as_utc(moment) for moment in self.session.execute(query).scalars()]

    def recent(self, username: str, address: str, now: datetime) -> RecentFailures:
        """The failures that count for a login of `username` from `address` at `now`."""
        since, policy = now - timedelta(seconds=self.policy.window), self.policy
        is_user, is_address = login_failures.c.username == username, login_failures.c.address == address
        return RecentFailures(pair=self._newest(policy.per_user_and_address, since, is_user, is_address),
                              user=self._newest(policy.per_user, since, is_user),
                              address=self._newest(policy.per_address, since, is_address))

    def add(self, username: str, address: str, now: datetime) -> None:
        """Count one failure, and drop those that have left the window (they count no more)."""
        self.session.execute(delete(login_failures).where(
            login_failures.c.failed_at <= now - timedelta(seconds=self.policy.window)))
        self.session.execute(login_failures.insert().values(username=username, address=address, failed_at=now))

    def clear(self, username: str, address: str) -> None:
        """Forget the failures of `username` from `address`: the right password came from there."""
        self.session.execute(delete(login_failures).where(login_failures.c.username == username,
                                                          login_failures.c.address == address))
