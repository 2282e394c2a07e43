"""The reminder service's rules as its reminder.rule_changed.v1 events say they stand (table reminder_rules)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from reporting.adapters.tables import reminder_rules


def keep(session: Session, rule_id: str, kind: str, enabled: bool, params: dict[str, Any]) -> None:
    """The rule stands as given (replacing what was known of it)."""
    drop(session, rule_id)
    session.execute(insert(reminder_rules).values(id=rule_id, kind=kind, enabled=enabled,
                                                  params=json.dumps(params, sort_keys=True, ensure_ascii=False)))


def drop(session: Session, rule_id: str) -> None:
    """The rule was deleted."""
    session.execute(delete(reminder_rules).where(reminder_rules.c.id == rule_id))


def of_kind(session: Session, kind: str) -> list[dict[str, Any]]:
    """{id, enabled, params} of every rule of `kind` known, by id."""
    return [{"id": row.id, "enabled": row.enabled, "params": json.loads(row.params)} for row in session.execute(
        select(reminder_rules).where(reminder_rules.c.kind == kind).order_by(reminder_rules.c.id))]
