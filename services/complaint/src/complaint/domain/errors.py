"""What can go wrong with complaints, in the domain's own words (mapped to HTTP at the edge)."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every rule the service enforces."""


class InvalidFields(DomainError):
    """One or more fields break a rule; `errors` maps field -> messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> InvalidFields:
        """The error of a single field."""
        return cls({field: [message]})


class NotFound(DomainError):
    """No such complaint, policy, notice …."""

    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"No {what} with id {identifier}.")
        self.what, self.identifier = what, identifier


class StepNotAllowed(DomainError):
    """The action is not a valid next step from the complaint's status (or its rule is not yet met)."""

    def __init__(self, action: str, status: str, allowed: list[str], reason: str | None = None) -> None:
        steps = ", ".join(allowed) or "none (the complaint is finished)"
        super().__init__(f"Cannot {action} a complaint that is {status}"
                         f"{': ' + reason if reason else ''}. Allowed next steps: {steps}.")
        self.action, self.status, self.allowed, self.reason = action, status, allowed, reason


class Conflict(DomainError):
    """The request conflicts with the current state (a duplicate, a change made meanwhile)."""
