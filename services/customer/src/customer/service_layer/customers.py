"""Use cases: create and edit a customer."""
from __future__ import annotations

from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from customer import events
from customer.adapters.consents import keep_consent_changes
from customer.adapters.customers import CustomerRepository
from customer.adapters.history import HistoryRepository
from customer.adapters.rows import now
from customer.domain.changes import diff
from customer.domain.customers import EDITABLE_FIELDS, new_customer_id, normalise_phones, shape
from customer.domain.errors import DuplicateEmail, DuplicatePhone, NotFound, VersionConflict
from customer.domain.merge import refuse_merged
from customer.domain.points import NEW_MEMBER
from customer.domain.privacy import refuse_erased
from customer.service_layer import staff
from customer.service_layer.emit import emit


def _numbers(customer: dict[str, Any]) -> list[str]:
    return [customer["phone"], *customer["phones"]]


def _refuse_taken_phones(repo: CustomerRepository, phones: list[str], customer_id: str | None) -> None:
    for phone, holder in repo.phone_owners(phones).items():
        if holder != customer_id:
            raise DuplicatePhone(phone, holder)


def _refuse_taken_email(repo: CustomerRepository, email: str | None, customer_id: str | None) -> None:
    """DuplicateEmail when another live customer has `email` (compared trimmed, in lower case): as with a
    phone, a merged record's or an erased customer's address is nobody's."""
    for holder in repo.email_holders([email]).values():
        if holder != customer_id:
            raise DuplicateEmail(email or "", holder)


def _duplicate_after_race(sessions: sessionmaker[Session], phones: list[str], customer_id: str | None,
                          email: str | None = None) -> None:
    """After a unique-key violation: name the customer that took one of the phones (or the e-mail) meanwhile."""
    with unit_of_work(sessions) as session:
        _refuse_taken_phones(CustomerRepository(session), phones, customer_id)
        _refuse_taken_email(CustomerRepository(session), email, customer_id)


def create_customer(sessions: sessionmaker[Session], values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Register a new customer; DuplicatePhone if one of its phones is someone else's."""
    moment = now()
    customer: dict[str, Any] = {"id": new_customer_id(), "version": 1, **shape(None, values), **NEW_MEMBER,
                                "created_at": moment,
                "updated_at": moment}
    try:
        with unit_of_work(sessions) as session:
            repo = CustomerRepository(session)
            _refuse_taken_phones(repo, _numbers(customer), None)
            staff.check_owners(session, customer)
            _refuse_taken_email(repo, customer.get("email"), None)
            repo.add(customer)
            HistoryRepository(session).add(customer["id"], moment, actor, "created",
                                           diff({}, customer, EDITABLE_FIELDS))
            keep_consent_changes(session, customer["id"], None, customer["consent"], actor, moment,
                                 "given at registration")
            emit(session, events.CUSTOMER_CREATED, customer["id"], customer)
    except IntegrityError:
        # a concurrent request registered the same phone (or e-mail) between our check and our insert
        _duplicate_after_race(sessions, _numbers(customer), None, customer.get("email"))
        raise
    return customer


def get_customer(sessions: sessionmaker[Session], customer_id: str) -> dict[str, Any]:
    """The customer, or NotFound."""
    with unit_of_work(sessions) as session:
        repo = CustomerRepository(session)
        customer = repo.get(customer_id)
        while customer is not None and customer.get("merged_into"):  # a merged record resolves to its survivor
            customer = repo.get(customer["merged_into"])
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def live_customer(session: Session, customer_id: str) -> dict[str, Any]:
    """The customer, its row locked, for a change to what is theirs (a visit, an asset); NotFound, or a refusal
    when it was merged or erased."""
    customer = CustomerRepository(session).get(customer_id, for_update=True)
    if customer is None:
        raise NotFound("customer", customer_id)
    refuse_merged(customer)  # merged or erased meanwhile: a check before the use case may have seen it live
    refuse_erased(customer)
    return customer


def save_changes(session: Session, current: dict[str, Any], wanted: dict[str, Any], actor: str,
                 action: str, consent_source: str | None = "customer record edit") -> dict[str, Any]:
    """Write `wanted` over `current` (same version) with a history entry and customer.updated.v1.

    A change of consent is recorded per channel with `consent_source` (None: the caller records it).
    Returns the customer as stored (unchanged, same version, when nothing differs).
    """
    changes = diff(current, wanted, EDITABLE_FIELDS)
    if not changes:
        return current
    repo = CustomerRepository(session)
    if changes.keys() & {"phone", "phones"}:
        _refuse_taken_phones(repo, _numbers(wanted), current["id"])
    if "email" in changes:
        _refuse_taken_email(repo, wanted.get("email"), current["id"])
    updated = {**current, **wanted, "version": current["version"] + 1, "updated_at": now()}
    if not repo.update(updated, current["version"], changes):
        raise VersionConflict(current["version"], repo.current_version(current["id"]) or current["version"])
    HistoryRepository(session).add(current["id"], updated["updated_at"], actor, action, changes)
    if "consent" in changes and consent_source is not None:
        keep_consent_changes(session, current["id"], current["consent"], updated["consent"], actor,
                             updated["updated_at"], consent_source)
    emit(session, events.CUSTOMER_UPDATED, current["id"],
         {"id": current["id"], "version": updated["version"], **{field: updated[field] for field in changes},
          "changes": changes})
    return updated


def update_customer(sessions: sessionmaker[Session], customer_id: str, values: dict[str, Any],
                    expected_version: int, actor: str) -> dict[str, Any]:
    """Apply a partial edit made on `expected_version`; VersionConflict when the customer moved on."""
    try:
        with unit_of_work(sessions) as session:
            current = CustomerRepository(session).get(customer_id)
            if current is None:
                raise NotFound("customer", customer_id)
            refuse_merged(current)
            if current["version"] != expected_version:
                raise VersionConflict(expected_version, current["version"])
            wanted = shape(current, values)
            staff.check_owners(session, wanted, current)
            return save_changes(session, current, wanted, actor, "updated")
    except IntegrityError:
        phones = normalise_phones(values)  # they were read before the write (shape), so they can be read again
        _duplicate_after_race(sessions, [p for p in [phones.get("phone"), *(phones.get("phones") or [])] if p],
                              customer_id, values.get("email"))
        raise
