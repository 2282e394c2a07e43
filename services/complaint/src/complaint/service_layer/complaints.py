"""Use cases: file a complaint and move it through its workflow, each change with its events."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters.complaints import ComplaintRepository
from complaint.adapters.customers import CustomerCopy
from complaint.adapters.policies import PolicyRepository, to_policy
from complaint.config import ComplaintSettings
from complaint.domain.complaints import Complaint
from complaint.domain.errors import Conflict, InvalidFields, NotFound, check_scope
from complaint.domain.sla import choose_policy
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


def file_complaint(sessions: sessionmaker[Session], config: ComplaintSettings, values: dict[str, Any],
                   actor: str, stores: Stores = None) -> dict[str, Any]:
    """File a complaint for a known customer (of the caller's `stores`); its SLA clocks start now."""
    subcategory = values.get("subcategory")
    if subcategory is not None and subcategory not in config.rules.subcategories:
        raise InvalidFields.one("subcategory", f"Must be one of: {', '.join(config.rules.subcategories)}.")
    with unit_of_work(sessions) as session:
        customer = _known_customer(session, values["customer_id"])
        check_scope(stores, customer["store_id"])
        policies = [to_policy(row) for row in PolicyRepository(session).all()]
        complaint = Complaint.file(
            config.calendar, id=str(uuid.uuid4()), customer_id=values["customer_id"], store_id=customer["store_id"],
            channel=values["channel"], category=values["category"], subcategory=values.get("subcategory"),
            severity=values["severity"], description=values["description"], filed_at=now(), filed_by=actor,
            policy=choose_policy(policies, values["category"], values["severity"]))
        ComplaintRepository(session).add(complaint)
        publish(session, complaint)
    return complaint_view(complaint, config.rules)


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
    return complaint_view(complaint, config.rules)


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
    "survey": lambda c, cfg, at, who, v: c.record_survey(at, who, {
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
    return complaint_view(complaint, config.rules)
