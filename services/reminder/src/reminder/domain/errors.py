"""What can go wrong, in the domain's own words: the kit's bases, which it maps to HTTP problems at the edge."""
from __future__ import annotations

from servicekit.errors import Conflict, DomainError, Forbidden, InvalidFields, NotFound


class OutOfReach(Forbidden):
    """The record is of a customer of a store the caller does not work for."""

    def __init__(self, stores: frozenset[str], store_id: str | None) -> None:
        where = "records of no store" if store_id is None else f"store {store_id}"
        super().__init__(f"You work for the stores {', '.join(sorted(stores))}; {where} are out of reach.")


def check_reach(stores: frozenset[str] | None, store_id: str | None) -> None:
    """OutOfReach unless a caller limited to `stores` (None: every store) may work on records of `store_id`."""
    if stores is not None and store_id not in stores:
        raise OutOfReach(stores, store_id)


__all__ = ["Conflict", "DomainError", "InvalidFields", "NotFound", "OutOfReach", "check_reach"]
