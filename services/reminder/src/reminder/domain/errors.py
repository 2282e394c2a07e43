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


class OutOfReach(DomainError):
    """The record is of a customer of a store the caller does not work for."""

    def __init__(self, stores: frozenset[str], store_id: str | None) -> None:
        where = "records of no store" if store_id is None else f"store {store_id}"
        super().__init__(f"You work for the stores {', '.join(sorted(stores))}; {where} are out of reach.")


def check_reach(stores: frozenset[str] | None, store_id: str | None) -> None:
    """OutOfReach unless a caller limited to `stores` (None: every store) may work on records of `store_id`."""
    if stores is not None and store_id not in stores:
        raise OutOfReach(stores, store_id)
