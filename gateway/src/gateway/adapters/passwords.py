"""Password hashing with argon2id (https://www.rfc-editor.org/rfc/rfc9106)."""
from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: argon2-cffi's defaults are RFC 9106's second recommended option (t=3, m=64 MiB, p=4).
HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so both failures take about the same time.
    return HASHER.hash("no such user: this hash only evens out timing")


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, salt included."""
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash, spend the same time and say False."""
    try:
        return HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return HASHER.check_needs_rehash(password_hash)
