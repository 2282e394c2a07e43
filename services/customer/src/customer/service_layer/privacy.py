"""Use cases of personal-data rights: export everything about a customer, erase it, record consent."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.consents import ConsentRepository
from customer.adapters.customers import CustomerRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.privacy import erase_records, personal_data
from customer.adapters.rows import now
from customer.domain.errors import Conflict, NotFound
from customer.domain.merge import refuse_merged
from customer.domain.privacy import CONSENT_CHANNELS, erased_customer, refuse_erased
from customer.service_layer.customers import save_changes
from customer.service_layer.emit import emit


def export(sessions: sessionmaker[Session], customer_id: str, actor: str) -> dict[str, Any]:
    """One document with everything this service holds about the customer (PIPL art. 45, GDPR art. 15).

    The export itself is kept in the customer's history: who took everything about the person, and when.
    """
    moment = now()
    with unit_of_work(sessions) as session:
        document = personal_data(session, customer_id)
        if document is None:
            raise NotFound("customer", customer_id)
        HistoryRepository(session).add(customer_id, moment, actor, "personal_data_exported", {})
    return {"exported_at": moment, "customer_id": customer_id, **document}


def _locked_live(session: Session, customer_id: str) -> dict[str, Any]:
    current = CustomerRepository(session).get(customer_id, for_update=True)
    if current is None:
        raise NotFound("customer", customer_id)
    refuse_merged(current)
    return current


def erase(sessions: sessionmaker[Session], customer_id: str, actor: str) -> dict[str, Any]:
    """Erase the customer's personal data here at once and tell every service to do the same.

    Records merged into the customer are the same person and are erased with it.
    """
    moment = now()
    with unit_of_work(sessions) as session:
        current = _locked_live(session, customer_id)
        if current["erased_at"] is not None:
            raise Conflict(f"The customer was already erased at {current['erased_at'].isoformat()}.",
                           erased_at=current["erased_at"].isoformat())
        repo = CustomerRepository(session)
        tombstones = repo.many(repo.merged_into(customer_id))
        for record in [current, *tombstones]:
            erase_records(session, record["id"], erased_customer(record), moment)
            HistoryRepository(session).add(record["id"], moment, actor, "erased", {})
            emit(session, events.CUSTOMER_ERASED, record["id"], {"customer_id": record["id"], "erased_at": moment})
        return CustomerRepository(session).get(customer_id)  # type: ignore[return-value]


def record_consent(sessions: sessionmaker[Session], customer_id: str, channel: str, granted: bool,
                   given_at: datetime | None, source: str, actor: str) -> dict[str, Any]:
    """Keep a grant or withdrawal of consent on one channel, with when and where it was given."""
    moment = now()
    with unit_of_work(sessions) as session:
        current = _locked_live(session, customer_id)
        refuse_erased(current)
        given = given_at.astimezone(UTC) if given_at is not None else moment
        ConsentRepository(session).add(customer_id, channel, granted, given, source, actor, moment)
        if bool(current["consent"].get(channel)) != granted:
            save_changes(session, current, {**current, "consent": {**current["consent"], channel: granted}}, actor,
                         "consent_changed", consent_source=None)
        return _consents(session, customer_id)


def _consents(session: Session, customer_id: str) -> dict[str, Any]:
    records = ConsentRepository(session).of_customer(customer_id)
    latest = {record["channel"]: record for record in records}
    customer = CustomerRepository(session).get(customer_id)
    flags = customer["consent"] if customer else {}
    return {"customer_id": customer_id,
            "channels": {channel: {"granted": bool(flags.get(channel)),
                                   "given_at": latest[channel]["given_at"] if channel in latest else None,
                                   "source": latest[channel]["source"] if channel in latest else None}
                         for channel in CONSENT_CHANNELS},
            "records": records}


def consents_of(sessions: sessionmaker[Session], customer_id: str) -> dict[str, Any]:
    """Each channel's consent now (with when and where it was given), and every record of it."""
    with unit_of_work(sessions) as session:
        if CustomerRepository(session).current_version(customer_id) is None:
            raise NotFound("customer", customer_id)
        return _consents(session, customer_id)
