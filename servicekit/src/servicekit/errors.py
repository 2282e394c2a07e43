"""The bases of every domain error, in plain Python so that a service's domain can raise them without
Flask; servicekit.problems maps them to problem details at the edge.

Each service subclasses these for its own errors (a duplicate phone is a Conflict, a step the workflow
does not allow is a Conflict naming the allowed ones): the subclass chooses the message and the
`details`, the base decides the HTTP status.
"""
from __future__ import annotations


class DomainError(Exception):
    """Base of every rule a service enforces (400 at the edge when nothing more specific applies)."""


class InvalidFields(DomainError):
    """One or more fields break a rule; `errors` maps field -> messages (422)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> InvalidFields:
        """The error of a single field."""
        return cls({field: [message]})


class NotFound(DomainError):
    """No record of that kind with that id (404)."""

    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"No {what} with id {identifier}.")
        self.what, self.identifier = what, identifier


class Conflict(DomainError):
    """The record's present state does not allow the request (409); `details` become members of the
    answer (what would be allowed, who holds the value)."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.details = details


class VersionConflict(Conflict):
    """The caller edited an older version of the record than the current one (409 with current_version)."""

    def __init__(self, expected: int, current: int, what: str = "record") -> None:
        super().__init__(f"The {what} is at version {current}, not {expected}; reload it and retry.",
                         current_version=current)
        self.expected, self.current = expected, current


class Forbidden(DomainError):
    """The caller may not act on this record (403)."""
