"""What can go wrong, in the domain's own words (mapped to HTTP problems at the edge)."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every rule the reminder service enforces."""


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
    """No such reminder, rule, appointment … ."""

    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"No {what} with id {identifier}.")


class Conflict(DomainError):
    """The record's present state does not allow the request; `details` say what would."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.details = details
