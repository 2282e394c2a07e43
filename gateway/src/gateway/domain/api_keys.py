"""API keys: the long-lived credentials of other systems, of which only a hash of the secret is kept."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.accounts import AccountError

API_KEY_PREFIX = "gx"
API_KEY = re.compile(r"^gx_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


class UnknownApiKey(AccountError):
    """No API key has that id."""


@dataclass(frozen=True)
class ApiKey:
    """A long-lived credential of another system; only a hash of its secret is kept."""

    id: str
    name: str
    role: str
    secret_hash: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    #: The stores whose data the key's system sees; empty: every store.
    stores: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """True until the key is revoked."""
        return self.revoked_at is None


def new_api_key() -> tuple[str, str]:
    """A fresh (key id, full key): `gx_<16 hex id>_<43 url-safe chars, 256 bits of secret>`."""
    key_id = secrets.token_hex(8)
    return key_id, f"{API_KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def hash_api_key(key: str) -> str:
    """SHA-256 of the full key: enough for a random 256-bit secret (argon2 per request would be slow)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_id(key: str) -> str | None:
    """The id part of a well-formed key, or None."""
    match = API_KEY.match(key)
    return match.group(1) if match else None


def key_matches(key: str, stored: ApiKey) -> bool:
    """True when `key` is the secret of `stored` (constant-time comparison)."""
    return hmac.compare_digest(hash_api_key(key), stored.secret_hash)
