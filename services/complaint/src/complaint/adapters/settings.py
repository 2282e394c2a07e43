"""The group-wide settings of the complaint workflow, one row per name (an absent row is the default)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from complaint.adapters.tables import settings

#: Each setting and its default.
DEFAULTS: dict[str, Any] = {
    # [002 L1150]: every resolved complaint gets a satisfaction survey, so closing waits for it
    "survey_required_before_close": True,
}


class SettingsRepository:
    """The settings in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> dict[str, Any]:
        """Every setting with its value (the default when never set), and who changed one last and when."""
        rows = self.session.execute(select(settings).order_by(settings.c.updated_at)).mappings().all()
        values = dict(DEFAULTS)
        values.update({row["name"]: row["value"] for row in rows if row["name"] in DEFAULTS})
        last = rows[-1] if rows else None
        return {**values, "updated_by": last["updated_by"] if last else None,
                "updated_at": as_utc(last["updated_at"]) if last else None}

    def value(self, name: str) -> Any:
        """One setting's value (its default when never set)."""
        stored = self.session.execute(select(settings.c.value).where(settings.c.name == name)).first()
        return DEFAULTS[name] if stored is None else stored[0]

    def set(self, name: str, value: Any, actor: str, at: datetime) -> None:
        """Change one setting."""
        changed = self.session.execute(update(settings).where(settings.c.name == name).values(
            value=value, updated_by=actor, updated_at=at))
        if changed.rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE or DELETE gives a CursorResult, typed Result
            self.session.execute(insert(settings).values(name=name, value=value, updated_by=actor, updated_at=at))
