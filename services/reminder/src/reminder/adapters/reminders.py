"""Storing reminders and tasks: adding, claiming the due ones, changing their status."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from servicekit.db import among
from servicekit.timestamps import as_utc
from sqlalchemy import any_, func, select, update
from sqlalchemy.orm import Session

from reminder.adapters.tables import reminders
from reminder.domain.reminder_rules import OPEN


class ReminderRepository:
    """Reminders in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, reminder_id: str, for_update: bool = False) -> Any | None:
        """The reminder's row, or None; `for_update` locks it until the transaction ends."""
        query = select(reminders).where(reminders.c.id == reminder_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).first()

    def add(self, **values: Any) -> None:
        """Add one reminder."""
        self.session.execute(reminders.insert().values(**values))

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add reminders (every row with the same keys), in one statement."""
        if rows:
            self.session.execute(reminders.insert(), list(rows))

    def change(self, reminder_id: str, **values: Any) -> None:
        """Write some fields of a reminder."""
        self.session.execute(update(reminders).where(reminders.c.id == reminder_id).values(**values))

    def change_many(self, reminder_ids: Sequence[str], **values: Any) -> None:
        """Write the same fields of several reminders."""
        self.session.execute(update(reminders).where(reminders.c.id.in_(reminder_ids)).values(**values))

    def key_taken(self, key: str) -> bool:
        """True when a reminder has this key."""
        return self.session.execute(select(reminders.c.id).where(reminders.c.key == key)).first() is not None

    def keys_taken(self, keys: Sequence[str]) -> set[str]:
        """Those of `keys` some reminder has (of any customer)."""
        if not keys:
            return set()
        return set(self.session.execute(select(reminders.c.key).where(among(self.session, reminders.c.key,
                                                                            keys))).scalars())

    def planned_of(self, customer_id: str, unplanned: frozenset[str]) -> dict[str, Any]:
        """The customer's reminders made by planning (not of the `unplanned` kinds), by key."""
        return self.planned_of_many([customer_id], unplanned)[customer_id]

    def planned_of_many(self, customer_ids: Sequence[str], unplanned: frozenset[str],
                        rule_ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """Each of these customers' reminders made by planning (not of the `unplanned` kinds; of `rule_ids` only
        when given), by key."""
        planned: dict[str, dict[str, Any]] = {customer_id: {} for customer_id in customer_ids}
        query = select(reminders.c.id, reminders.c.key, reminders.c.customer_id, reminders.c.status,
                       reminders.c.due_at, reminders.c.reason, reminders.c.owner, reminders.c.confidence).where(
            among(self.session, reminders.c.customer_id, sorted(planned)), reminders.c.kind.not_in(unplanned))
        if rule_ids is not None:
            query = query.where(reminders.c.rule_id.in_(rule_ids))
        for row in self.session.execute(query):
            planned[row.customer_id][row.key] = row
        return planned

    def cancel(self, reminder_ids: Sequence[str], statuses: Sequence[str], moment: datetime, reason: str) -> None:
        """Cancel those of the reminders still in one of `statuses`."""
        self.session.execute(update(reminders).where(among(self.session, reminders.c.id, reminder_ids),
                                                     reminders.c.status.in_(statuses))
                             .values(status="cancelled", cancelled_at=moment, cancel_reason=reason,
                                     snoozed_until=None))

    def cancel_of_asset(self, asset_id: str, moment: datetime, reason: str) -> None:
        """Cancel the asset's scheduled reminders and open tasks."""
        self.session.execute(update(reminders).where(reminders.c.asset_id == asset_id,
                                                     reminders.c.status.in_(("scheduled", *OPEN)))
                             .values(status="cancelled", cancelled_at=moment, cancel_reason=reason,
                                     snoozed_until=None))

    def cancel_scheduled_of_rule(self, rule_id: str, moment: datetime, reason: str) -> None:
        """Cancel the rule's reminders that have not fired."""
        self.session.execute(update(reminders).where(reminders.c.rule_id == rule_id,
                                                     reminders.c.status == "scheduled")
                             .values(status="cancelled", cancelled_at=moment, cancel_reason=reason))

    def cancel_open(self, reminder_id: str, moment: datetime, reason: str) -> None:
        """Cancel a task unless it is finished (a follow-up no longer needed)."""
        self.session.execute(update(reminders).where(
            reminders.c.id == reminder_id, reminders.c.status.in_(OPEN))
            .values(status="cancelled", cancelled_at=moment, cancel_reason=reason))

    def follow_asset(self, asset_id: str, customer_id: str, unplanned: frozenset[str]) -> None:
        """The asset's planned reminders and open tasks go to its new owner."""
        self.session.execute(update(reminders).where(reminders.c.asset_id == asset_id,
                                                     reminders.c.status.in_(("scheduled", *OPEN)),
                                                     reminders.c.kind.not_in(unplanned))
                             .values(customer_id=customer_id))

    def closed_by_visit(self, visit_id: str) -> bool:
        """True when this visit closed a task already."""
        return self.session.execute(select(reminders.c.id).where(reminders.c.visit_id == visit_id)).first() \
            is not None

    def open_callbacks(self, customer_id: str, kinds: frozenset[str]) -> Sequence[Any]:
        """The customer's due or claimed callback tasks, earliest due first."""
        return self.session.execute(select(reminders).where(
            reminders.c.customer_id == customer_id, reminders.c.kind.in_(kinds), reminders.c.task.is_(True),
            reminders.c.status.in_(("due", "claimed"))).order_by(reminders.c.due_at, reminders.c.id)).all()

    def belongs_to(self, reminder_id: str, customer_id: str) -> bool:
        """True when the customer has this reminder."""
        return self.session.execute(select(reminders.c.id).where(
            reminders.c.id == reminder_id, reminders.c.customer_id == customer_id)).first() is not None

    def claim_due(self, moment: datetime, batch: int) -> Sequence[Any]:
        """Up to `batch` scheduled reminders due by `moment`, moved to `due` (fired at `moment`) and returned.

        FOR UPDATE SKIP LOCKED lets replicas claim different rows; the status condition makes a claim safe
        on SQLite too, where FOR UPDATE is not there to lock the rows."""
        due = (select(reminders.c.id).where(reminders.c.status == "scheduled", reminders.c.due_at <= moment)
               .order_by(reminders.c.due_at).limit(batch).with_for_update(skip_locked=True))
        if self.session.get_bind().dialect.name == "postgresql":  # one statement: claim and move them
            claimed = self.session.execute(
                update(reminders).where(reminders.c.id == any_(func.array(due.scalar_subquery())),
                                        reminders.c.status == "scheduled")
                .values(status="due", fired_at=moment).returning(*reminders.c)).all()
        else:
            ids = self.session.execute(due).scalars().all()
            claimed = self.session.execute(
                update(reminders).where(reminders.c.id.in_(ids), reminders.c.status == "scheduled")
                .values(status="due", fired_at=moment).returning(*reminders.c)).all() if ids else []
        return sorted(claimed, key=lambda row: (as_utc(row.due_at), row.id))  # earliest first, as claimed

    def wake_snoozed(self, moment: datetime) -> int:
        """Snoozed tasks whose time has come are due again; returns how many."""
        result = self.session.execute(update(reminders).where(
            reminders.c.status == "snoozed", reminders.c.snoozed_until <= moment)
            .values(status="due", snoozed_until=None))
        return result.rowcount  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result
