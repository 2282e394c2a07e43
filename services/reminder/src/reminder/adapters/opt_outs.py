"""Storing opt-outs: the channels on which a customer wants no messages."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from servicekit.db import among
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from reminder.adapters.customer_copy import Scope, in_scope
from reminder.adapters.tables import opt_outs

MAX_ROWS = 200


class OptOutRepository:
    """Opt-outs in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, customer_id: str, channel: str) -> Any | None:
        """The opt-out, or None."""
        return self.session.execute(select(opt_outs).where(opt_outs.c.customer_id == customer_id,
                                                           opt_outs.c.channel == channel)).first()

    def add(self, customer_id: str, channel: str, moment: datetime, actor: str) -> None:
        """Record an opt-out."""
        self.session.execute(opt_outs.insert().values(customer_id=customer_id, channel=channel, created_at=moment,
                                                      created_by=actor))

    def remove(self, customer_id: str, channel: str) -> bool:
        """Forget an opt-out; False when there was none."""
        result = self.session.execute(delete(opt_outs).where(opt_outs.c.customer_id == customer_id,
                                                             opt_outs.c.channel == channel))
        return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result

    def channels_of(self, customer_ids: set[str]) -> dict[str, set[str]]:
        """The channels each of these customers opted out of (those with none are left out)."""
        opted: dict[str, set[str]] = {}
        query = select(opt_outs).where(among(self.session, opt_outs.c.customer_id, sorted(customer_ids)))
        for row in self.session.execute(query):
            opted.setdefault(row.customer_id, set()).add(row.channel)
        return opted

    def listing(self, customer_id: str | None, scope: Scope) -> Sequence[Any]:
        """Opt-outs, of one customer or all (at most MAX_ROWS), by customer and channel."""
        query = in_scope(select(opt_outs), opt_outs.c.customer_id, scope).order_by(
            opt_outs.c.customer_id, opt_outs.c.channel).limit(MAX_ROWS)
        if customer_id:
            query = query.where(opt_outs.c.customer_id == customer_id)
        return self.session.execute(query).all()
