"""The stores (门店) of a dealer group: customers, staff and complaints belong to one."""
from __future__ import annotations

import re

from customer.domain.errors import Conflict, InvalidFields

#: A store id is short and readable ("sz01", "shanghai-pudong"): it appears in tokens and URL paths.
STORE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_store_id(store_id: str, field: str = "id") -> None:
    """Raise InvalidFields unless `store_id` is a well-formed store id."""
    if not STORE_ID.match(store_id):
        raise InvalidFields.one(field, "A store id: 1 to 40 of a-z, 0-9, '_' and '-', starting with a letter or digit.")


class DuplicateStore(Conflict):
    """A store with that id exists already."""

    def __init__(self, store_id: str) -> None:
        super().__init__(f"The store {store_id} exists already.", store_id=store_id)
