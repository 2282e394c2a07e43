"""Rules as rows: read into domain Rules, written back from the API."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reminder.adapters.tables import rules
from reminder.domain.calendar import parse_clock
from reminder.domain.rules import Rule


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


def all_rules(session: Session) -> list[Rule]:
    """Every rule, enabled or not, by id."""
    return [to_rule(row) for row in session.execute(select(rules).order_by(rules.c.id))]


def get_row(session: Session, rule_id: str, for_update: bool = False) -> Any | None:
    """The row of one rule, or None."""
    query = select(rules).where(rules.c.id == rule_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).first()


def insert(session: Session, values: dict[str, Any], actor: str, now: datetime) -> None:
    """Add a rule."""
    session.execute(rules.insert().values(
        id=values["id"], kind=values["kind"], name=values["name"], enabled=values.get("enabled", True),
        params=json.dumps(values.get("params", {}), ensure_ascii=False), task=values.get("task", True),
        channels=json.dumps(values.get("channels", [])), time_of_day=values.get("time_of_day", "09:00"),
        owner=values.get("owner"), message=values.get("message"), script=values.get("script"), builtin=False,
        version=1, templates=json.dumps(values.get("templates") or {}, ensure_ascii=False),
        created_at=now, updated_at=now, updated_by=actor))


def change(session: Session, rule_id: str, values: dict[str, Any], version: int, actor: str, now: datetime) -> None:
    """Write changed fields of a rule (JSON ones encoded) and bump its version."""
    encoded = {name: json.dumps(value, ensure_ascii=False) if name in ("params", "channels", "templates") else value
               for name, value in values.items()}
    session.execute(update(rules).where(rules.c.id == rule_id).values(
        **encoded, version=version + 1, updated_at=now, updated_by=actor))
