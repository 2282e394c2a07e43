"""What can go wrong in the customer archive, in the domain's own words (mapped to HTTP at the edge)."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every rule the archive enforces."""


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
    """No such customer, asset, ... ."""

    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"No {what} with id {identifier}.")
        self.what, self.identifier = what, identifier


class DuplicatePhone(DomainError):
    """The phone number already belongs to another customer."""

    def __init__(self, phone: str, existing_customer_id: str) -> None:
        super().__init__(f"The phone {phone} already belongs to customer {existing_customer_id}.")
        self.phone, self.existing_customer_id = phone, existing_customer_id


class DuplicateEmail(DomainError):
    """The e-mail address (whatever its case) already belongs to another customer."""

    def __init__(self, email: str, existing_customer_id: str) -> None:
        super().__init__(f"The email {email} already belongs to customer {existing_customer_id}.")
        self.email, self.existing_customer_id = email, existing_customer_id


class DuplicateVin(DomainError):
    """The VIN is already registered as an asset."""

    def __init__(self, vin: str, existing_asset_id: str, existing_customer_id: str) -> None:
        super().__init__(f"The VIN {vin} is already registered (asset {existing_asset_id} "
                         f"of customer {existing_customer_id}).")
        self.vin, self.existing_asset_id, self.existing_customer_id = vin, existing_asset_id, existing_customer_id


class VersionConflict(DomainError):
    """The client edited an older version than the current one."""

    def __init__(self, expected: int, current: int, what: str = "customer") -> None:
        super().__init__(f"The {what} is at version {current}, not {expected}; reload it and retry.")
        self.expected, self.current = expected, current


class Conflict(DomainError):
    """The record's present state does not allow the request; `details` name what would (or who holds it)."""

    def __init__(self, message: str, **details: str | int | None) -> None:
        super().__init__(message)
        self.details = details
