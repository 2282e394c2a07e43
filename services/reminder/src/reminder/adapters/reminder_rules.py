"""Reminder rules as rows: read into domain Rules, written back from the API; and the queue of re-planning
jobs a rule change starts."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from reminder.adapters.tables import replans, rules
from reminder.domain.calendar import parse_clock
from reminder.domain.reminder_rules import Rule


def to_rule(row: Any) -> Rule:
    """A domain Rule from a `rules` row."""
    return Rule(id=row.id, kind=row.kind, name=row.name, enabled=row.enabled, params=json.loads(row.params),
                task=row.task, channels=tuple(json.loads(row.channels)), time_of_day=parse_clock(row.time_of_day),
                owner=row.owner, message=row.message, builtin=row.builtin,
                templates=json.loads(row.templates or "{}"), script=row.script)


def as_dict(row: Any) -> dict[str, Any]:
    """A rule as the API shows it."""
    return {"id": row.id, "kind": row.kind, "name": row.name, "enabled": row.enabled,
            "params": json.loads(row.params), "task": row.task, "channels": json.loads(row.channels),
            "time_of_day": row.time_of_day, "owner": row.owner, "message": row.message, "builtin": row.builtin,
            "templates": json.loads(row.templates or "{}"), "version": row.version, "created_at": row.created_at,
            "updated_at": row.updated_at,
            "updated_by": row.updated_by, "script": row.script}


class RuleRepository:
    """Rules in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[Rule]:
        """Every rule, enabled or not, by id."""
        return [to_rule(row) for row in self.rows()]

    def rows(self) -> Sequence[Any]:
        """Every rule's row, by id."""
        return self.session.execute(select(rules).order_by(rules.c.id)).all()

    def get_row(self, rule_id: str, for_update: bool = False) -> Any | None:
        """The row of one rule, or None."""
        query = select(rules).where(rules.c.id == rule_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).first()

    def get(self, rule_id: str) -> Rule | None:
        """One rule, or None."""
        row = self.get_row(rule_id)
        return None if row is None else to_rule(row)

    def add(self, values: dict[str, Any], actor: str, now: datetime) -> None:
        """Add a rule."""
        self.session.execute(rules.insert().values(
            id=values["id"], kind=values["kind"], name=values["name"], enabled=values.get("enabled", True),
            params=json.dumps(values.get("params", {}), ensure_ascii=False), task=values.get("task", True),
            channels=json.dumps(values.get("channels", [])), time_of_day=values.get("time_of_day", "09:00"),
            owner=values.get("owner"), message=values.get("message"), script=values.get("script"), builtin=False,
            version=1, templates=json.dumps(values.get("templates") or {}, ensure_ascii=False),
            created_at=now, updated_at=now, updated_by=actor))

    def change(self, rule_id: str, values: dict[str, Any], version: int, actor: str, now: datetime) -> None:
        """Write changed fields of a rule (JSON ones encoded) and bump its version."""
        encoded = {name: json.dumps(value, ensure_ascii=False) if name in ("params", "channels", "templates")
                   else value for name, value in values.items()}
        self.session.execute(update(rules).where(rules.c.id == rule_id).values(
            **encoded, version=version + 1, updated_at=now, updated_by=actor))

    def remove(self, rule_id: str) -> None:
        """Delete a rule."""
        self.session.execute(delete(rules).where(rules.c.id == rule_id))


class ReplanQueue:
    """Re-planning every customer after a rule changed: jobs the scheduler works through in batches."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, cause: str, moment: datetime) -> None:
        """Ask for every customer to be re-planned."""
        self.session.execute(replans.insert().values(cause=cause, cursor="", created_at=moment))

    def next_job(self) -> Any | None:
        """The oldest unfinished job, locked (SKIP LOCKED: one replica works on it at a time), or None."""
        return self.session.execute(select(replans).where(replans.c.finished_at.is_(None)).order_by(replans.c.id)
                                    .limit(1).with_for_update(skip_locked=True)).first()

    def advance(self, job_id: int, **values: Any) -> None:
        """Move a job's cursor (and mark it finished)."""
        self.session.execute(update(replans).where(replans.c.id == job_id).values(**values))
