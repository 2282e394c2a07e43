"""Use cases: SLA policies per category and severity, for managers."""
from __future__ import annotations

import uuid
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from complaint.adapters.policies import PolicyRepository
from complaint.domain.errors import Conflict, InvalidFields, NotFound
from complaint.domain.sla import ANY
from complaint.service_layer.complaints import now


def list_policies(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """Every policy."""
    with unit_of_work(sessions) as session:
        return PolicyRepository(session).all()


def _check(values: dict[str, Any]) -> None:
    if values["warn_percent"] >= 100:
        raise InvalidFields.one("warn_percent", "Must be less than 100.")


def create_policy(sessions: sessionmaker[Session], values: dict[str, Any], actor: str) -> dict[str, Any]:
    """Add a policy for a category and severity (409 when one exists)."""
    _check(values)
    policy_id = str(uuid.uuid4())
    try:
        with unit_of_work(sessions) as session:
            repo = PolicyRepository(session)
            existing = repo.find(values["category"], values["severity"])
            if existing is not None:
                raise Conflict(f"A policy for {values['category']}/{values['severity']} exists: {existing['id']}.")
            repo.add({"id": policy_id, **values, "updated_by": actor, "updated_at": now()})
    except IntegrityError:
        raise Conflict(f"A policy for {values['category']}/{values['severity']} exists.") from None
    return get_policy(sessions, policy_id)


def get_policy(sessions: sessionmaker[Session], policy_id: str) -> dict[str, Any]:
    """One policy, or NotFound."""
    with unit_of_work(sessions) as session:
        policy = PolicyRepository(session).get(policy_id)
    if policy is None:
        raise NotFound("SLA policy", policy_id)
    return policy


def update_policy(sessions: sessionmaker[Session], policy_id: str, values: dict[str, Any],
                  actor: str) -> dict[str, Any]:
    """Change a policy's targets; complaints already filed keep the targets they were filed with."""
    with unit_of_work(sessions) as session:
        repo = PolicyRepository(session)
        current = repo.get(policy_id)
        if current is None:
            raise NotFound("SLA policy", policy_id)
        _check({**current, **values})
        repo.update(policy_id, {**values, "updated_by": actor, "updated_at": now()})
    return get_policy(sessions, policy_id)


def delete_policy(sessions: sessionmaker[Session], policy_id: str) -> None:
    """Remove a policy; the general one (*/*) stays, so every complaint has targets."""
    with unit_of_work(sessions) as session:
        repo = PolicyRepository(session)
        current = repo.get(policy_id)
        if current is None:
            raise NotFound("SLA policy", policy_id)
        if current["category"] == ANY and current["severity"] == ANY:
            raise Conflict("The general policy (*/*) cannot be deleted; change its targets instead.")
        repo.delete(policy_id)
