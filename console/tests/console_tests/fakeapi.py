"""A fake of the gateway's API for the console's unit tests: answers by (method, path), records every call."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def token_for(username: str = "li.si", role: str = "agent", stores: tuple[str, ...] = ()) -> str:
    """A session token as the gateway would issue it (the console reads its claims, never its signature)."""
    return jwt.encode({"sub": username, "role": role, "stores": list(stores), "exp": int(time.time()) + 3600},
                      "not-the-gateway-secret")


def page(items: list[Any], total: int | None = None, page_number: int = 1, per_page: int = 20) -> httpx.Response:
    """A paginated list answer with flask-smorest's X-Pagination header."""
    total = len(items) if total is None else total
    pages = max(1, -(-total // per_page))
    return httpx.Response(200, json=items, headers={"X-Pagination": json.dumps(
        {"total": total, "total_pages": pages, "page": page_number, "first_page": 1, "last_page": pages})})


def envelope(items: list[Any], total: int | None = None, page_number: int = 1, page_size: int = 20) -> dict:
    """A paginated list answer as the services give it: an envelope with the items and the figures."""
    return {"items": items, "total": len(items) if total is None else total, "page": page_number,
            "page_size": page_size}


def problem(status: int, detail: str = "", **extra: Any) -> httpx.Response:
    """A problem-details answer."""
    return httpx.Response(status, json={"type": "about:blank", "title": httpx.codes.get_reason_phrase(status),
                                        "status": status, "detail": detail, **extra},
                          headers={"Content-Type": "application/problem+json"})


@dataclass
class FakeApi:
    """Routes: (METHOD, path regex under /api/v1) -> an answer or a function of the request."""

    routes: list[tuple[str, re.Pattern, Answer]] = field(default_factory=list)
    calls: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, answer: Answer | dict | list) -> FakeApi:
        """Answer `method` `path` (a regex matched whole, e.g. r"/customers/[^/]+") with `answer`."""
        if isinstance(answer, (dict, list)):
            answer = httpx.Response(200, json=answer)
        self.routes.insert(0, (method.upper(), re.compile(path), answer))  # later routes win
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path.removeprefix("/api/v1")
        for method, pattern, answer in self.routes:
            if method == request.method and pattern.fullmatch(path):
                return answer(request) if callable(answer) else answer
        return problem(404, f"no fake route for {request.method} {path}")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        """The calls made to `method` `path` (regex), oldest first."""
        return [call for call in self.calls
                if call.method == method.upper() and re.fullmatch(path, call.url.path.removeprefix("/api/v1"))]

    def body(self, method: str, path: str) -> Any:
        """The JSON body of the last such call."""
        return json.loads(self.sent(method, path)[-1].content)
