"""SLA policies per category and severity."""
from __future__ import annotations

from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from complaint.adapters.tables import sla_policies
from complaint.domain.sla import SlaPolicy

FIELDS = ("category", "severity", "acknowledge_minutes", "respond_minutes", "resolve_minutes",
          "first_callback_minutes", "warn_percent")


def to_policy(row: dict[str, Any]) -> SlaPolicy:
    """The domain policy of a row."""
    return SlaPolicy(**{name: row[name] for name in FIELDS})


class PolicyRepository:
    """SLA policies in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[dict[str, Any]]:
        """Every policy, the general ones first."""
        rows = self.session.execute(select(sla_policies).order_by(sla_policies.c.category, sla_policies.c.severity))
        return [{**dict(row), "updated_at": as_utc(row["updated_at"])} for row in rows.mappings()]

    def get(self, policy_id: str) -> dict[str, Any] | None:
        """One policy, or None."""
        row = self.session.execute(select(sla_policies).where(sla_policies.c.id == policy_id)).mappings().first()
        return None if row is None else {**dict(row), "updated_at": as_utc(row["updated_at"])}

    def find(self, category: str, severity: str) -> dict[str, Any] | None:
        """The policy for exactly this category and severity, or None."""
        row = self.session.execute(select(sla_policies.c.id).where(
            sla_policies.c.category == category, sla_policies.c.severity == severity)).first()
        return None if row is None else self.get(row[0])

    def add(self, values: dict[str, Any]) -> None:
        """Insert a policy."""
        self.session.execute(insert(sla_policies).values(**values))

    def update(self, policy_id: str, values: dict[str, Any]) -> None:
        """Change a policy."""
        self.session.execute(update(sla_policies).where(sla_policies.c.id == policy_id).values(**values))

    def delete(self, policy_id: str) -> None:
        """Remove a policy."""
        self.session.execute(delete(sla_policies).where(sla_policies.c.id == policy_id))
