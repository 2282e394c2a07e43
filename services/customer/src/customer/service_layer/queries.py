"""Read-only use cases: search and the listings of one customer."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from servicekit.db import unit_of_work
from servicekit.pages import Page, offset
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.assets import AssetRepository
from customer.adapters.customers import CustomerRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.search_page import search_ids
from customer.adapters.visits import VisitRepository
from customer.domain.errors import NotFound
from customer.domain.search import Filters
from customer.service_layer.assets import customer_asset

Lister = Callable[[Session, int, int], tuple[list[dict[str, Any]], int]]


def search(sessions: sessionmaker[Session], filters: Filters, page: int, page_size: int) -> Page:
    """One page of the customers matching `filters`: best match first, then newest (newest first without a
    name or `q`); the total counted up to COUNT_LIMIT."""
    with unit_of_work(sessions) as session:
        ids, total = search_ids(session, filters, offset(page, page_size), page_size)
        items = CustomerRepository(session).many(ids)
    return Page(items, total, page, page_size)


def _of_customer(sessions: sessionmaker[Session], customer_id: str, page: int, page_size: int,
                 lister: Lister) -> Page:
    with unit_of_work(sessions) as session:
        if CustomerRepository(session).current_version(customer_id) is None:
            raise NotFound("customer", customer_id)
        items, total = lister(session, offset(page, page_size), page_size)
    return Page(items, total, page, page_size)


def assets_of(sessions: sessionmaker[Session], customer_id: str, page: int, page_size: int,
              include_voided: bool = False) -> Page:
    """The customer's assets, oldest first (voided ones only when asked for)."""
    return _of_customer(sessions, customer_id, page, page_size,
                        lambda s, skip, size: AssetRepository(s).of_customer(customer_id, skip, size, include_voided))


def asset_of(sessions: sessionmaker[Session], customer_id: str, asset_id: str) -> dict[str, Any]:
    """One asset of the customer (voided too), or NotFound."""
    with unit_of_work(sessions) as session:
        return customer_asset(session, customer_id, asset_id)


def visits_of(sessions: sessionmaker[Session], customer_id: str, page: int, page_size: int,
              voided: bool | None = None) -> Page:
    """The customer's visits, newest first (`voided`: only the voided ones, only the others, None: all)."""
    return _of_customer(sessions, customer_id, page, page_size,
                        lambda s, skip, size: VisitRepository(s).of_customer(customer_id, skip, size, voided))


def history_of(sessions: sessionmaker[Session], customer_id: str, page: int, page_size: int) -> Page:
    """The customer's history, newest first."""
    return _of_customer(sessions, customer_id, page, page_size,
                        lambda s, skip, size: HistoryRepository(s).of_customer(customer_id, skip, size))


def odometer_of(sessions: sessionmaker[Session], customer_id: str, asset_id: str, page: int,
                page_size: int) -> Page:
    """The odometer readings of one of the customer's assets, newest first."""
    def lister(session: Session, skip: int, size: int) -> tuple[list[dict[str, Any]], int]:
        customer_asset(session, customer_id, asset_id)
        return AssetRepository(session).reading_page(asset_id, skip, size)
    return _of_customer(sessions, customer_id, page, page_size, lister)
