"""Use cases on the API keys of other systems, each one transaction over the gateway's database."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from gateway.adapters.repository import AccountRepository
from gateway.domain.accounts import normalise_stores
from gateway.domain.api_keys import ApiKey, UnknownApiKey, api_key_id, hash_api_key, key_matches, new_api_key


def _now() -> datetime:
    return datetime.now(UTC)


def create_api_key(sessions: sessionmaker[Session], name: str, role: str, created_by: str,
                   stores: tuple[str, ...] | list[str] = ()) -> tuple[ApiKey, str]:
    """A new API key (for `stores`, or the whole group) and its full secret (shown to the caller once, never
    stored)."""
    key_id, secret = new_api_key()
    key = ApiKey(id=key_id, name=name, role=role, secret_hash=hash_api_key(secret), created_at=_now(),
                 created_by=created_by, stores=normalise_stores(stores))
    with unit_of_work(sessions) as session:
        AccountRepository(session).add_api_key(key)
    return key, secret


def list_api_keys(sessions: sessionmaker[Session], offset: int, limit: int) -> tuple[list[ApiKey], int]:
    """One page of API keys (revoked ones included, marked) and the total count."""
    with unit_of_work(sessions) as session:
        return AccountRepository(session).api_key_page(offset, limit)


def revoke_api_key(sessions: sessionmaker[Session], key_id: str) -> None:
    """Revoke a key at once; revoking twice is harmless; raise UnknownApiKey for an unknown id."""
    with unit_of_work(sessions) as session:
        repository = AccountRepository(session)
        key = repository.api_key(key_id)
        if key is None:
            raise UnknownApiKey(key_id)
        if key.active:
            repository.save_api_key(dataclasses.replace(key, revoked_at=_now()))


def identify_api_key(sessions: sessionmaker[Session], secret: str) -> ApiKey | None:
    """The active key `secret` belongs to, or None."""
    key_id = api_key_id(secret)
    if key_id is None:
        return None
    with unit_of_work(sessions) as session:
        key = AccountRepository(session).api_key(key_id)
    if key is None or not key.active or not key_matches(secret, key):
        return None
    return key
