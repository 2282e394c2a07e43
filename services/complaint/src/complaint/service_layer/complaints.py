"""Use cases: file a complaint and move it through its workflow, each change with its events."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters.complaints import ComplaintRepository
from complaint.adapters.contacts import ContactRepository
from complaint.adapters.customers import CustomerCopy
from complaint.adapters.policies import PolicyRepository, to_policy
from complaint.adapters.settings import SettingsRepository
from complaint.config import ComplaintSettings
from complaint.domain.complaints import Complaint, Contacts
from complaint.domain.errors import Conflict, InvalidFields, NotFound, VersionConflict, check_scope
from complaint.domain.sla import SlaPolicy, choose_policy
from complaint.domain.vocabulary import EVERY_STORE
from complaint.service_layer.publish import publish
from complaint.service_layer.views import complaint_view
from servicekit import staff


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def _known_customer(session: Session, customer_id: str) -> dict[str, Any]:
    customer = CustomerCopy(session).get(customer_id)
    if customer is None:
        raise InvalidFields.one("customer_id", f"Unknown customer {customer_id}: this service knows customers from "
                                "the customer service's events; a customer created a moment ago may need a "
                                "second to arrive.")
    if customer["merged_into"]:
        raise InvalidFields.one("customer_id", f"Customer {customer_id} was merged into {customer['merged_into']}; "
                                "file the complaint for that customer.")
    if customer["erased_at"]:
        raise InvalidFields.one("customer_id", f"Customer {customer_id} was erased.")
    return customer


Stores = frozenset[str] | None


def with_settings(session: Session, config: ComplaintSettings) -> ComplaintSettings:
    """`config` with the group-wide settings kept in the database (survey required before closing)."""
    required = bool(SettingsRepository(session).value("survey_required_before_close"))
    return replace(config, rules=replace(config.rules, survey_required=required))


def contacts_of(session: Session, store_ids: set[str | None] | None = None) -> Contacts:
    """Who is told at an escalation: the store's contact for the level, else the group-wide default."""
    directory = ContactRepository(session).directory(store_ids)

    def who(store_id: str | None, level: str) -> str | None:
        return directory.get((store_id or EVERY_STORE, level)) or directory.get((EVERY_STORE, level))

    return who


def _policy_for(session: Session, category: str, severity: str) -> SlaPolicy:
    return choose_policy([to_policy(row) for row in PolicyRepository(session).all()], category, severity)


def file_complaint(sessions: sessionmaker[Session], config: ComplaintSettings, values: dict[str, Any],
                   actor: str, stores: Stores = None) -> dict[str, Any]:
    """File a complaint for a known customer (of the caller's `stores`); its SLA clocks start now."""
    subcategory = values.get("subcategory")
    if subcategory is not None and subcategory not in config.rules.subcategories:
        raise InvalidFields.one("subcategory", f"Must be one of: {', '.join(config.rules.subcategories)}.")
    with unit_of_work(sessions) as session:
        customer = _known_customer(session, values["customer_id"])
        check_scope(stores, customer["store_id"])
        config = with_settings(session, config)
        complaint = Complaint.file(
            config.calendar, contacts=contacts_of(session, {customer["store_id"]}), id=str(uuid.uuid4()),
            customer_id=values["customer_id"], store_id=customer["store_id"],
            channel=values["channel"], category=values["category"], subcategory=values.get("subcategory"),
            severity=values["severity"], description=values["description"], filed_at=now(), filed_by=actor,
            policy=_policy_for(session, values["category"], values["severity"]))
        ComplaintRepository(session).add(complaint)
        publish(session, complaint)
    return complaint_view(complaint, config, customer["name"])


def complaint_in_scope(session: Session, complaint_id: str, stores: Stores, for_update: bool = False) -> Complaint:
    """The complaint, or NotFound; OutOfScope when it belongs to a store the caller does not work for."""
    complaint = ComplaintRepository(session).get(complaint_id, for_update=for_update)
    if complaint is None:
        raise NotFound("complaint", complaint_id)
    check_scope(stores, complaint.store_id)
    return complaint


def get_complaint(sessions: sessionmaker[Session], config: ComplaintSettings, complaint_id: str,
                  stores: Stores = None) -> dict[str, Any]:
    """One complaint, or NotFound."""
    with unit_of_work(sessions) as session:
        complaint = complaint_in_scope(session, complaint_id, stores)
        config = with_settings(session, config)
        name = ComplaintRepository(session).customer_name(complaint.customer_id)
    return complaint_view(complaint, config, name)


#: How each action is applied to the aggregate: (complaint, config, moment, actor, values) -> None.
Step = Callable[[Complaint, ComplaintSettings, datetime, str, dict[str, Any]], Any]
STEPS: dict[str, Step] = {
    "acknowledge": lambda c, cfg, at, who, v: c.acknowledge(cfg.rules, at, who),
    "assign": lambda c, cfg, at, who, v: c.assign(cfg.calendar, cfg.rules, at, who, v["department"], v["assignee"]),
    "start": lambda c, cfg, at, who, v: c.start(cfg.rules, at, who),
    "resolve": lambda c, cfg, at, who, v: c.resolve(cfg.calendar, cfg.rules, at, who, v["resolution"],
                                                    v["remedy_cost"], v["responsible_party"]),
    "callbacks": lambda c, cfg, at, who, v: c.record_callback(cfg.calendar, cfg.rules, at, who, v["channel"],
                                                              v["satisfaction"], v.get("comment")),
    "close": lambda c, cfg, at, who, v: c.close(cfg.rules, at, who),
    "reopen": lambda c, cfg, at, who, v: c.reopen(cfg.calendar, cfg.rules, at, who, v["reason"]),
    "reject": lambda c, cfg, at, who, v: c.reject(cfg.rules, at, who, v["findings"]),
    "pause": lambda c, cfg, at, who, v: c.wait_on_customer(at, who, v["reason"]),
    "resume": lambda c, cfg, at, who, v: c.resume(cfg.calendar, at, who),
    "survey": lambda c, cfg, at, who, v: c.record_survey(cfg.rules, at, who, {
        name: v[name] for name in ("attitude", "skill", "timeliness", "promise_kept", "staff")}),
}


def act(sessions: sessionmaker[Session], config: ComplaintSettings, complaint_id: str, action: str, actor: str,
        values: dict[str, Any], stores: Stores = None) -> dict[str, Any]:
    """Take a workflow `action` on a complaint; StepNotAllowed (naming the allowed next steps) when it does not
    fit the complaint's status, and nothing changes."""
    at = now()
    with unit_of_work(sessions) as session:
        repo = ComplaintRepository(session)
        complaint = complaint_in_scope(session, complaint_id, stores, for_update=True)
        config = with_settings(session, config)
        round_before = complaint.round
        if action == "assign":  # someone who may work on this store's complaints (servicekit.staff)
            staff.check_assignee(session, values["assignee"], complaint.store_id, "assignee", InvalidFields.one)
        result = STEPS[action](complaint, config, at, actor, values)
        if action == "callbacks":  # the callback belongs to the round it closed or reopened
            repo.add_callback(complaint.id, round_before, result, values, actor, at)
        elif action == "survey":
            repo.add_survey(complaint, values, actor, at)
        if not repo.save(complaint):
            raise Conflict("The complaint was changed by someone else meanwhile; reload it and retry.")
        publish(session, complaint)
        name = repo.customer_name(complaint.customer_id)
    return complaint_view(complaint, config, name)


def correct_complaint(sessions: sessionmaker[Session], config: ComplaintSettings, complaint_id: str,
                      values: dict[str, Any], expected_version: int, reason: str, actor: str,
                      stores: Stores = None) -> dict[str, Any]:
    """Correct what a complaint was filed with, edited at `expected_version` (VersionConflict when it moved on);
    kept on its timeline and published as complaint.corrected.v1. A category or severity correction re-plans the
    SLA targets by the policy for the new pair (see Complaint.correct); one to serious or critical escalates."""
    subcategory = values.get("subcategory")
    if subcategory is not None and subcategory not in config.rules.subcategories:
        raise InvalidFields.one("subcategory", f"Must be one of: {', '.join(config.rules.subcategories)}.")
    at = now()
    with unit_of_work(sessions) as session:
        repo = ComplaintRepository(session)
        complaint = complaint_in_scope(session, complaint_id, stores, for_update=True)
        if complaint.version != expected_version:
            raise VersionConflict(expected_version, complaint.version)
        config = with_settings(session, config)
        category, severity = values.get("category", complaint.category), values.get("severity", complaint.severity)
        policy = _policy_for(session, category, severity)
        changes = complaint.correct(config.calendar, at, actor, values, reason, policy,
                                    contacts_of(session, {complaint.store_id}))
        if not changes:
            raise InvalidFields({name: ["Already has this value: nothing to correct."] for name in values} or
                                {"changes": ["Name at least one field to correct."]})
        if not repo.save(complaint):
            raise VersionConflict(expected_version, expected_version + 1)
        publish(session, complaint)
        name = repo.customer_name(complaint.customer_id)
    return complaint_view(complaint, config, name)
