"""How many failed password logins hold a login back, and for how long. Plain Python.

Three counts of failures over the last `window` seconds, chosen so that guessing stays slow while other
people's failed tries from a shared address (a dealership's NAT, a shop's Wi-Fi) do not lock a user out:

- per username and address, tight: guessing one user's password from one place stops after a few tries,
  and only that pair stops; everyone else behind the same address logs in as before;
- per username, loose: a user guessed at from many addresses. Then every address that has failed for this
  user is held back too, while an address with no failure for them still gets its try, so the real user,
  typing the right password from a clean address, gets in;
- per address, loose: one address trying many usernames, held back whole. Loose enough that it takes a
  long run of failures, not a few typos, before people behind a shared address are held back.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LoginPolicy:
    """The window (seconds) failures are counted over, and the three allowances."""

    window: float = 900.0
    per_user_and_address: int = 5
    per_user: int = 20
    per_address: int = 100


@dataclass(frozen=True)
class RecentFailures:
    """When the recent failures happened, newest first (each list cut at its allowance): for this username
    from this address, for this username, and from this address."""

    pair: list[datetime]
    user: list[datetime]
    address: list[datetime]


def held_back_until(policy: LoginPolicy, failures: RecentFailures) -> datetime | None:
    """When a login for this username from this address may be tried again, or None: it may be tried now."""
    window = timedelta(seconds=policy.window)

    def freed(times: list[datetime], allowance: int) -> datetime | None:
        # The count drops below the allowance when the allowance-th newest failure leaves the window.
        return times[allowance - 1] + window if len(times) >= allowance else None

    until = [freed(failures.pair, policy.per_user_and_address), freed(failures.address, policy.per_address)]
    user = freed(failures.user, policy.per_user)
    if user is not None and failures.pair:
        # Held back as one of the addresses failing for this user: free again once the user's count falls, or
        # once this address's own failures for them have left the window.
        until.append(min(user, failures.pair[0] + window))
    return max((moment for moment in until if moment is not None), default=None)
