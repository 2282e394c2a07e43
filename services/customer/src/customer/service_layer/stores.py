"""Use cases on the stores of the group."""
from __future__ import annotations

from typing import Any

from servicekit.db import unit_of_work
from servicekit.pages import Page, offset
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.rows import now
from customer.adapters.stores import StoreRepository
from customer.domain.errors import InvalidFields, NotFound
from customer.domain.stores import DuplicateStore, check_store_id


def create_store(sessions: sessionmaker[Session], values: dict[str, Any]) -> dict[str, Any]:
    """Open a store; DuplicateStore when the id is taken."""
    check_store_id(values["id"])
    store = {**values, "created_at": now()}
    try:
        with unit_of_work(sessions) as session:
            repo = StoreRepository(session)
            if repo.get(store["id"]) is not None:
                raise DuplicateStore(store["id"])
            repo.add(store)
    except IntegrityError:
        raise DuplicateStore(store["id"]) from None  # created by a concurrent request
    return get_store(sessions, store["id"])


def get_store(sessions: sessionmaker[Session], store_id: str) -> dict[str, Any]:
    """The store with how many customers it has, or NotFound."""
    with unit_of_work(sessions) as session:
        store = StoreRepository(session).get(store_id)
    if store is None:
        raise NotFound("store", store_id)
    return store


def update_store(sessions: sessionmaker[Session], store_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Rename a store or change its region or address."""
    with unit_of_work(sessions) as session:
        repo = StoreRepository(session)
        if repo.get(store_id) is None:
            raise NotFound("store", store_id)
        if values:
            repo.update(store_id, values)
    return get_store(sessions, store_id)


def list_stores(sessions: sessionmaker[Session], page: int, page_size: int) -> Page:
    """One page of the group's stores, by id."""
    with unit_of_work(sessions) as session:
        items, total = StoreRepository(session).page(offset(page, page_size), page_size)
    return Page(items, total, page, page_size)


def check_stores_exist(sessions: sessionmaker[Session], store_ids: list[str], field: str = "store_id") -> None:
    """InvalidFields naming `field` when one of `store_ids` is no store of the group."""
    with unit_of_work(sessions) as session:
        missing = sorted(set(store_ids) - StoreRepository(session).existing(store_ids))
    if missing:
        raise InvalidFields.one(field, f"No store {', '.join(missing)}; open it first (POST /api/v1/stores).")
