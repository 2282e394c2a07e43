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
        steps = ", ".join(allowed) or ("none (the complaint is finished)" if status in ("closed", "rejected")
                                       else "none right now")
        super().__init__(f"Cannot {action} a complaint that is {status}"
                         f"{': ' + reason if reason else ''}. Allowed next steps: {steps}.")
        self.action, self.status, self.allowed, self.reason = action, status, allowed, reason


class VersionConflict(DomainError):
    """The caller edited an older version of the complaint than the current one."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"The complaint is at version {current}, not {expected}; reload it and retry.")
        self.expected, self.current = expected, current


class Conflict(DomainError):
    """The request conflicts with the current state (a duplicate, a change made meanwhile)."""


class OutOfScope(DomainError):
    """The caller works for other stores than the record's."""

    def __init__(self, stores: frozenset[str], store_id: str | None) -> None:
        where = "records of no store" if store_id is None else f"store {store_id}"
        super().__init__(f"You work for the stores {', '.join(sorted(stores))}; {where} is out of reach.")


def check_scope(stores: frozenset[str] | None, store_id: str | None) -> None:
    """OutOfScope unless a caller limited to `stores` (None: every store) may see a record of `store_id`."""
    if stores is not None and store_id not in stores:
        raise OutOfScope(stores, store_id)
