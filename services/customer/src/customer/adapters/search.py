"""Customer search as SQL: every filter an equality or a range on an indexed column, except name."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from customer.adapters.tables import assets, customer_phones, customer_tags, customers
from customer.domain.search import Filters


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_contains(text: str) -> ColumnElement[bool]:
    return func.lower(customers.c.name).like(f"%{_escape_like(text.lower())}%", escape="\\")


def _phone_ends_with(suffix: str) -> ColumnElement[bool]:
    # "ends with 8000" == reversed digits start with "0008": a range scan on the reversed-digits index
    prefix = suffix[::-1]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return exists().where(customer_phones.c.customer_id == customers.c.id,
                          customer_phones.c.digits_reversed >= prefix, customer_phones.c.digits_reversed < upper)


def _has_asset(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(assets.c.customer_id == customers.c.id, condition)


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `filters` (all must hold)."""
    where: list[ColumnElement[bool]] = []
    if filters.name:
        where.append(_name_contains(filters.name))
    if filters.phone_suffix:
        where.append(_phone_ends_with(filters.phone_suffix))
    if filters.plate:
        where.append(_has_asset(assets.c.plate_key == filters.plate))
    if filters.vin:
        where.append(_has_asset(assets.c.vin == filters.vin))
    for column in ("owner", "kind", "stage"):
        if getattr(filters, column):
            where.append(customers.c[column] == getattr(filters, column))
    if filters.tag:
        where.append(exists().where(customer_tags.c.customer_id == customers.c.id, customer_tags.c.tag == filters.tag))
    if filters.created_from:
        where.append(customers.c.created_at >= _start_of(filters.created_from))
    if filters.created_to:  # inclusive: the whole day of created_to
        where.append(customers.c.created_at < _start_of(filters.created_to + timedelta(days=1)))
    if filters.q:
        terms = filters.q
        anyof = [_name_contains(terms.name)]
        if terms.phone_suffix:
            anyof.append(_phone_ends_with(terms.phone_suffix))
        if terms.plate:
            anyof.append(_has_asset(assets.c.plate_key == terms.plate))
        if terms.vin:
            anyof.append(_has_asset(assets.c.vin == terms.vin))
        where.append(or_(*anyof) if anyof else false())
    return where


def search_ids(session: Session, filters: Filters, offset: int, limit: int) -> tuple[list[str], int]:
    """Ids of one page of matching customers (newest first) and how many match in all."""
    where = and_(True, *conditions(filters))
    total = session.execute(select(func.count()).select_from(customers).where(where)).scalar_one()
    ids = session.execute(select(customers.c.id).where(where)
                          .order_by(customers.c.created_at.desc(), customers.c.id).offset(offset).limit(limit))
    return list(ids.scalars()), total
