"""What can go wrong in the customer archive, in the domain's own words (the kit's bases map them to HTTP at
the edge)."""
from __future__ import annotations

from servicekit.errors import Conflict, DomainError, InvalidFields, NotFound
from servicekit.errors import VersionConflict as BaseVersionConflict

__all__ = ["Conflict", "DomainError", "DuplicateEmail", "DuplicatePhone", "DuplicateVin", "InvalidFields",
           "NotFound", "VersionConflict"]


class DuplicatePhone(Conflict):
    """The phone number already belongs to another customer."""

    def __init__(self, phone: str, existing_customer_id: str) -> None:
        super().__init__(f"The phone {phone} already belongs to customer {existing_customer_id}.",
                         phone=phone, existing_customer_id=existing_customer_id)
        self.phone, self.existing_customer_id = phone, existing_customer_id


class DuplicateEmail(Conflict):
    """The e-mail address (whatever its case) already belongs to another customer."""

    def __init__(self, email: str, existing_customer_id: str) -> None:
        super().__init__(f"The email {email} already belongs to customer {existing_customer_id}.",
                         email=email, existing_customer_id=existing_customer_id)
        self.email, self.existing_customer_id = email, existing_customer_id


class DuplicateVin(Conflict):
    """The VIN is already registered as an asset."""

    def __init__(self, vin: str, existing_asset_id: str, existing_customer_id: str) -> None:
        super().__init__(f"The VIN {vin} is already registered (asset {existing_asset_id} "
                         f"of customer {existing_customer_id}).",
                         vin=vin, existing_asset_id=existing_asset_id, existing_customer_id=existing_customer_id)
        self.vin, self.existing_asset_id, self.existing_customer_id = vin, existing_asset_id, existing_customer_id


class VersionConflict(BaseVersionConflict):
    """The client edited an older version than the current one (of a customer unless `what` says otherwise)."""

    def __init__(self, expected: int, current: int, what: str = "customer") -> None:
        super().__init__(expected, current, what)
