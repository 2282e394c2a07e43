"""Storing and loading complaints, their timeline, callbacks and surveys."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from servicekit.db import bulk_insert, update_many
from servicekit.timestamps import as_utc
from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from complaint.adapters.tables import callbacks, complaints, customers, steps, surveys
from complaint.domain.complaints import Complaint
from complaint.domain.sla import Clocks, SlaPolicy

#: Columns copied one to one between the aggregate and its row.
PLAIN = ("id", "customer_id", "store_id", "channel", "category", "subcategory", "severity", "description",
         "status", "department", "assignee", "resolution", "remedy_cost", "responsible_party", "escalation_level",
         "round", "callbacks_in_round", "last_satisfaction", "surveyed_round", "escalated_to", "filed_at", "filed_by",
         "updated_at", "version")


#: Columns written from the aggregate's state for the scanner and the filters.
DERIVED = ("policy", "clocks", "breached", "waiting_on_customer", "next_check_at")


def to_complaint(row: Any) -> Complaint:
    """The aggregate of a complaints row."""
    values = {name: row[name] for name in PLAIN}
    values["filed_at"], values["updated_at"] = as_utc(values["filed_at"]), as_utc(values["updated_at"])
    return Complaint(policy=SlaPolicy(**row["policy"]), clocks=Clocks.from_json(row["clocks"]), **values)


#: How each derived column is read from the aggregate.
_DERIVED_OF: dict[str, Callable[[Complaint], Any]] = {
    "policy": lambda complaint: vars(complaint.policy), "clocks": lambda complaint: complaint.clocks.to_json(),
    "breached": lambda complaint: complaint.breached,
    "waiting_on_customer": lambda complaint: complaint.waiting_on_customer,
    "next_check_at": lambda complaint: complaint.next_check()}


def row_values(complaint: Complaint, columns: Sequence[str] = (*PLAIN, *DERIVED)) -> dict[str, Any]:
    """The complaints row of the aggregate (or only its `columns`)."""
    return {name: _DERIVED_OF[name](complaint) if name in _DERIVED_OF else getattr(complaint, name)
            for name in columns}


#: Every column a step may change (all but the id and the merge bookkeeping).
WRITABLE = tuple(name for name in (*PLAIN, *DERIVED) if name != "id")
#: The columns an SLA check changes.
CHECKED = ("escalation_level", "escalated_to", "updated_at", "version", "clocks", "breached", "next_check_at")


class ComplaintRepository:
    """Complaints in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, complaint_id: str, for_update: bool = False) -> Complaint | None:
        """The complaint, or None; `for_update` locks its row until commit (PostgreSQL)."""
        query = select(complaints).where(complaints.c.id == complaint_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return None if row is None else to_complaint(row)

    def add(self, complaint: Complaint) -> None:
        """Insert a new complaint and what happened to it."""
        self.session.execute(insert(complaints).values(**row_values(complaint)))
        self._write_steps([complaint])

    def save(self, complaint: Complaint) -> bool:
        """Write the complaint if nobody changed it since it was read (compare-and-set on its version);
        True when written. Its version goes up by one."""
        return self.save_many([complaint])

    def save_many(self, changed: Sequence[Complaint], columns: tuple[str, ...] = WRITABLE) -> bool:
        """Write `columns` of several complaints (one statement, compare-and-set on each version) and their
        new steps; True when every one was written, False (nothing should be committed) when one had moved on."""
        if not changed:
            return True
        rows = [{"key_id": complaint.id, "key_version": complaint.version,
                 **{f"new_{name}": value for name, value in row_values(complaint, columns).items()},
                 "new_version": complaint.version + 1} for complaint in changed]
        if update_many(self.session, complaints, ("id", "version"), columns, rows) != len(rows):
            return False
        for complaint in changed:
            complaint.version += 1
        self._write_steps(changed)
        return True

    def _write_steps(self, changed: Sequence[Complaint]) -> None:
        rows = [{"complaint_id": complaint.id, "at": step.at, "actor": step.actor, "action": step.action,
                 "from_status": step.from_status, "to_status": step.to_status, "details": step.details}
                for complaint in changed for step in complaint.happened]
        bulk_insert(self.session, steps, rows)  # one statement for all of them (COPY on PostgreSQL)

    def add_callback(self, complaint_id: str, round: int, number: int, values: dict[str, Any], actor: str,
                     at: datetime) -> None:
        """Keep callback `number` of a round of the complaint."""
        self.session.execute(insert(callbacks).values(
            complaint_id=complaint_id, round=round, number=number, channel=values["channel"],
            satisfaction=values["satisfaction"], comment=values.get("comment"), recorded_by=actor, at=at))

    def add_survey(self, complaint: Complaint, values: dict[str, Any], actor: str, at: datetime) -> None:
        """Keep the survey of the complaint's current round."""
        self.session.execute(insert(surveys).values(
            complaint_id=complaint.id, round=complaint.round, attitude=values["attitude"], skill=values["skill"],
            timeliness=values["timeliness"], promise_kept=values["promise_kept"], staff=values["staff"],
            comment=values.get("comment"), recorded_by=actor, at=at))

    def timeline(self, complaint_id: str, skip: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """The complaint's steps, oldest first, and how many there are."""
        where = steps.c.complaint_id == complaint_id
        total = self.session.execute(select(func.count()).select_from(steps).where(where)).scalar_one()
        rows = self.session.execute(select(steps).where(where).order_by(steps.c.id).offset(skip).limit(size))
        return [{**dict(row), "at": as_utc(row["at"])} for row in rows.mappings()], total

    def callbacks_of(self, complaint_id: str) -> list[dict[str, Any]]:
        """Every callback of the complaint, oldest first."""
        rows = self.session.execute(select(callbacks).where(callbacks.c.complaint_id == complaint_id)
                                    .order_by(callbacks.c.id)).mappings()
        return [{**dict(row), "at": as_utc(row["at"])} for row in rows]

    def surveys_of(self, complaint_id: str) -> list[dict[str, Any]]:
        """Every survey of the complaint, by round."""
        rows = self.session.execute(select(surveys).where(surveys.c.complaint_id == complaint_id)
                                    .order_by(surveys.c.round)).mappings()
        return [{**dict(row), "at": as_utc(row["at"])} for row in rows]

    def customer_name(self, customer_id: str) -> str | None:
        """The name of the complaint's customer in the customer copy (None when unknown or erased)."""
        return self.session.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar()

    def search(self, filters: dict[str, Any], skip: int, size: int) -> tuple[list[tuple[Complaint, str | None]], int]:
        """Complaints matching every filter, newest first, each with its customer's name (one query: a join
        with the customer copy), and how many match."""
        conditions = []
        for name in ("status", "category", "severity", "department", "assignee", "customer_id", "store_id",
                     "channel", "breached", "escalation_level"):
            if filters.get(name) is not None:
                conditions.append(complaints.c[name] == filters[name])
        if filters.get("stores") is not None:
            conditions.append(complaints.c.store_id.in_(sorted(filters["stores"])))
        if filters.get("filed_from") is not None:
            conditions.append(complaints.c.filed_at >= filters["filed_from"])
        if filters.get("filed_to") is not None:
            conditions.append(complaints.c.filed_at < filters["filed_to"])
        where = and_(True, *conditions)
        total = self.session.execute(select(func.count()).select_from(complaints).where(where)).scalar_one()
        joined = complaints.outerjoin(customers, customers.c.id == complaints.c.customer_id)
        rows = self.session.execute(select(complaints, customers.c.name.label("customer_name")).select_from(joined)
                                    .where(where)
                                    .order_by(complaints.c.filed_at.desc(), complaints.c.id).offset(skip).limit(size))
        return [(to_complaint(row), row["customer_name"]) for row in rows.mappings()], total

    def due_for_check(self, now: datetime, limit: int) -> Sequence[Complaint]:
        """Complaints whose next SLA check is due, earliest first, locked for this transaction; rows another
        scanner holds are skipped (PostgreSQL; SQLite ignores the locking clause and serialises writers)."""
        rows = self.session.execute(
            select(complaints).where(complaints.c.next_check_at <= now).order_by(complaints.c.next_check_at)
            .limit(limit).with_for_update(skip_locked=True)).mappings()
        return [to_complaint(row) for row in rows]
