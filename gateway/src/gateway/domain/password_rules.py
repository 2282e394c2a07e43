"""What a password must be: long enough, not too long, not the username, not one of the most common ones."""
from __future__ import annotations

import functools

from gateway.domain.accounts import AccountError

MIN_PASSWORD_LENGTH = 10
#: A username this long or longer may not appear inside its password.
MIN_USERNAME_INSIDE = 3
#: argon2 hashes whatever it is given; a bound keeps one request from costing a lot of CPU.
MAX_PASSWORD_LENGTH = 256


class WeakPassword(AccountError, ValueError):
    """The password is too short, too long, too common or holds the username."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


def password_problems(password: str, username: str | None = None) -> list[str]:
    """What makes `password` unacceptable (for `username`, when known); empty when nothing does."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Use at most {MAX_PASSWORD_LENGTH} characters."]
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if username and contains_username(password, username):
        problems.append("Do not put the username in the password.")
    if is_common_password(password):
        problems.append("This is one of the most common passwords; choose another.")
    return problems


def contains_username(password: str, username: str) -> bool:
    """True when `password` is `username`, or holds it (usernames of three or more characters), case aside.

    A one- or two-character username (a name like 张伟) inside a password says little and would forbid far
    too much.
    """
    password, username = password.casefold(), username.casefold()
    return password == username or (len(username) >= MIN_USERNAME_INSIDE and username in password)


def is_common_password(password: str) -> bool:
    """True when `password` (case aside) is in zxcvbn's list of the 30,000 most common passwords."""
    return password.casefold() in _common_passwords()


@functools.cache
def _common_passwords() -> dict[str, int]:
    # zxcvbn ships the list ranked, as a dict; imported here so only password checks pay for loading it.
    from zxcvbn.matching import RANKED_DICTIONARIES

    return RANKED_DICTIONARIES["passwords"]


def check_password(password: str, username: str | None = None) -> None:
    """Raise WeakPassword unless `password` is acceptable for `username`."""
    problems = password_problems(password, username)
    if problems:
        raise WeakPassword(" ".join(problems), problems)
