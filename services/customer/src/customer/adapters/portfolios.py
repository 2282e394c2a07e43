"""Portfolios: which live customers a consultant holds (as owner or as deputy), and how many each one holds."""
from __future__ import annotations

from servicekit.auth import Identity, store_condition
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from customer.adapters.tables import customers

_LIVE = (customers.c.erased_at.is_(None), customers.c.merged_into.is_(None))


def held_by(session: Session, consultant: str, identity: Identity) -> list[str]:
    """The ids of the live customers `consultant` owns or deputises for in the caller's stores, oldest first,
    locked until commit."""
    return list(session.execute(
        select(customers.c.id).where(or_(customers.c.owner == consultant, customers.c.deputy_owner == consultant),
                                     store_condition(customers.c.store_id, identity), *_LIVE)
        .order_by(customers.c.created_at, customers.c.id).with_for_update()).scalars())


def owner_loads(session: Session, names: list[str]) -> dict[str, int]:
    """{consultant: how many live customers they own} for those of `names` who own any."""
    return _loads(session, customers.c.owner, names)


def deputy_loads(session: Session, names: list[str]) -> dict[str, int]:
    """{consultant: for how many live customers they are deputy} for those of `names` who are any."""
    return _loads(session, customers.c.deputy_owner, names)


def _loads(session: Session, column, names: list[str]) -> dict[str, int]:
    return dict(session.execute(select(column, func.count()).where(column.in_(names), *_LIVE)  # type: ignore[arg-type]
                                .group_by(column)).all())
