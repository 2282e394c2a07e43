"""One page of a list the API answers."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Page:
    """One page of a list: the API answers either an envelope {items, total, page, page_size} or a bare list
    with flask-smorest's X-Pagination header; both read the same."""

    items: list[Any]
    total: int
    page: int
    pages: int
    page_size: int

    @classmethod
    def of(cls, response: httpx.Response) -> Page:
        body = response.json()
        if isinstance(body, dict):
            return cls.of_body(body)
        meta = json.loads(response.headers.get("X-Pagination") or "{}")
        return cls(items=body, total=int(meta.get("total", len(body))), page=int(meta.get("page", 1)),
                   pages=int(meta.get("total_pages", 1) or 1), page_size=int(meta.get("page_size", len(body) or 1)))

    @classmethod
    def of_body(cls, body: Mapping[str, Any], page_size: int = 20) -> Page:
        """A page from the API's envelope (items, total, page, page_size)."""
        size = int(body.get("page_size") or page_size or 1)
        total = int(body.get("total") or 0)
        return cls(items=list(body.get("items") or []), total=total, page=int(body.get("page") or 1),
                   pages=max(1, -(-total // size)), page_size=size)
