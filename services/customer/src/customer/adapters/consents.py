"""The record of consents: every grant and withdrawal per channel, with its time and source."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.timestamps import as_utc
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from customer.adapters.tables import consent_records


class ConsentRepository:
    """Consent records in one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, customer_id: str, channel: str, granted: bool, given_at: datetime, source: str,
            recorded_by: str, recorded_at: datetime) -> None:
        """Keep one grant or withdrawal."""
        self.session.execute(insert(consent_records).values(
            customer_id=customer_id, channel=channel, granted=granted, given_at=given_at, source=source,
            recorded_by=recorded_by, recorded_at=recorded_at))

    def of_customer(self, customer_id: str) -> list[dict[str, Any]]:
        """Every record of a customer, oldest first."""
        rows = self.session.execute(
            select(consent_records.c.channel, consent_records.c.granted, consent_records.c.given_at,
                   consent_records.c.source, consent_records.c.recorded_by, consent_records.c.recorded_at)
            .where(consent_records.c.customer_id == customer_id).order_by(consent_records.c.id)).mappings()
        return [{**row, "given_at": as_utc(row["given_at"]), "recorded_at": as_utc(row["recorded_at"])}
                for row in rows]


def keep_consent_changes(session: Session, customer_id: str, before: dict[str, bool] | None,
                         after: dict[str, bool], actor: str, at: datetime, source: str) -> None:
    """Record each channel whose consent differs between `before` and `after`."""
    repo = ConsentRepository(session)
    for channel, granted in after.items():
        if bool((before or {}).get(channel)) != bool(granted):
            repo.add(customer_id, channel, bool(granted), at, source, actor, at)
