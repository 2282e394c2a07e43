"""What can go wrong with complaints, in the domain's own words (the kit's bases map them to HTTP at the edge)."""
from __future__ import annotations

from servicekit.errors import Conflict, DomainError, Forbidden, InvalidFields, NotFound
from servicekit.errors import VersionConflict as BaseVersionConflict

__all__ = ["Conflict", "DomainError", "InvalidFields", "NotFound", "OutOfScope", "StepNotAllowed",
           "VersionConflict", "check_scope"]


class StepNotAllowed(Conflict):
    """The action is not a valid next step from the complaint's status (or its rule is not yet met)."""

    def __init__(self, action: str, status: str, allowed: list[str], reason: str | None = None) -> None:
        steps = ", ".join(allowed) or ("none (the complaint is finished)" if status in ("closed", "rejected")
                                       else "none right now")
        super().__init__(f"Cannot {action} a complaint that is {status}"
                         f"{': ' + reason if reason else ''}. Allowed next steps: {steps}.",
                         complaint_status=status, allowed_next=allowed)
        self.action, self.status, self.allowed, self.reason = action, status, allowed, reason


class VersionConflict(BaseVersionConflict):
    """The caller edited an older version of the complaint than the current one."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(expected, current, "complaint")


class OutOfScope(Forbidden):
    """The caller works for other stores than the record's."""

    def __init__(self, stores: frozenset[str], store_id: str | None) -> None:
        where = "records of no store" if store_id is None else f"store {store_id}"
        super().__init__(f"You work for the stores {', '.join(sorted(stores))}; {where} is out of reach.")


def check_scope(stores: frozenset[str] | None, store_id: str | None) -> None:
    """OutOfScope unless a caller limited to `stores` (None: every store) may see a record of `store_id`."""
    if stores is not None and store_id not in stores:
        raise OutOfScope(stores, store_id)
