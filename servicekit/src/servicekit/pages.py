"""One page of a listing, as every service's use cases return it (plain Python: no web framework here;
servicekit.pagination bounds the page number at the edge)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


def offset(page: int, page_size: int) -> int:
    """The number of rows before `page` (pages count from 1)."""
    return (page - 1) * page_size
