"""The console's one way to the data: the gateway's public HTTP API, called with the signed-in person's token.

Every page asks the API, as an integrator would; nothing here reads a service's database or imports its code.
A failed call becomes an ApiError carrying the problem details the API answered with, so a page can put a 422's
messages next to their fields, say a 409 in words, and show which part of the system is unavailable (502, 503,
504, or no answer at all) while the rest of the page works.
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
from flask import Response, current_app, g, request, session

#: The browser's address, signed by the gateway as it passed the browser's request on: sent back on every API call
#: so that the gateway counts failed sign-ins and its rate limits per browser, not on the console's address.
CLIENT_HEADER = "X-Console-Client"
#: Statuses that mean a part of the system is down rather than that the request was wrong.
UNAVAILABLE = frozenset({502, 503, 504})


@dataclass
class ApiError(Exception):
    """A call the API refused or could not answer; `problem` is its RFC 9457 body."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """The API's own words: its detail, else its title."""
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)

    @property
    def errors(self) -> dict[str, list[str]]:
        """A 422's messages by field (dotted for nested fields); `_body` for the request as a whole."""
        errors = self.problem.get("errors")
        return errors if isinstance(errors, dict) else {}

    @property
    def unavailable(self) -> bool:
        """True when the part of the system that answers this call is down (not a refusal)."""
        return self.status in UNAVAILABLE

    @property
    def shown_in_place(self) -> bool:
        """Whether a form shows this refusal beside itself (a part down, not allowed, gone, a conflict, invalid
        fields) rather than as a page of its own."""
        return self.unavailable or self.status in (403, 404, 409, 412, 422)

    @property
    def service(self) -> str | None:
        """The service that did not answer, as the gateway names it."""
        return self.problem.get("service")


class SignInNeeded(Exception):
    """The API no longer accepts the session's token (expired, or the person's standing changed). Not an
    ApiError: no page handles it in place (a form's refusal, a part unavailable); wherever a page's call meets
    it, the person is led to sign in again and back to where they were."""


def _problem_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"title": response.reason_phrase}
    return body if isinstance(body, dict) else {"title": response.reason_phrase}


class ApiClient:
    """Pooled connections to the gateway, shared by every request of a process (httpx.Client is thread-safe)."""

    def __init__(self, base_url: str, timeout: float, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url, self.timeout, self.transport = base_url, timeout, transport
        self._pid: int | None = None
        self._client: httpx.Client | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _fresh(self) -> None:
        # gunicorn forks after the app is built: neither connections nor threads may cross a fork.
        with self._lock:
            if self._pid != os.getpid():
                self._client = httpx.Client(base_url=self.base_url + "/api/v1", timeout=self.timeout,
                                            trust_env=False, transport=self.transport,
                                            limits=httpx.Limits(max_keepalive_connections=16, keepalive_expiry=1.0))
                self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="console-api")
                self._pid = os.getpid()

    @property
    def client(self) -> httpx.Client:
        if self._pid != os.getpid():
            self._fresh()
        return cast(httpx.Client, self._client)  # _fresh made it in this process

    @property
    def pool(self) -> ThreadPoolExecutor:
        if self._pid != os.getpid():
            self._fresh()
        return cast(ThreadPoolExecutor, self._pool)  # _fresh made it in this process

    def send(self, method: str, path: str, token: str | None, *, params: Mapping[str, Any] | None = None,
             json: Any = None, headers: Mapping[str, str] | None = None, language: str = "zh-CN",
             request_id: str | None = None) -> httpx.Response:
        """One API call; the response when it is a success, else ApiError (SignInNeeded for a 401 to a token)."""
        sent = {"Accept-Language": language, **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if request_id:
            sent["X-Request-ID"] = request_id
        params = {key: value for key, value in (params or {}).items() if value not in (None, "", [])}
        try:
            response = self.client.request(method, path, params=params, json=json, headers=sent)
        except httpx.TimeoutException:
            raise ApiError(504, {"title": "Gateway Timeout", "detail": "The API did not answer in time."}) from None
        except httpx.HTTPError:
            raise ApiError(503, {"title": "Service Unavailable", "service": "gateway",
                                 "detail": "The API cannot be reached."}) from None
        if response.status_code == 401 and token:
            raise SignInNeeded(_problem_of(response).get("detail"))
        if response.status_code >= 400:
            raise ApiError(response.status_code, _problem_of(response))
        return response


class Api:
    """The API as the signed-in person of the current request calls it. It counts its calls and the time the
    request spent waiting for them, which the page's Server-Timing header reports (and bench.console reads)."""

    def __init__(self, client: ApiClient, token: str | None, language: str, request_id: str | None,
                 vouched_client: str | None = None) -> None:
        self.client, self.token, self.language, self.request_id = client, token, language, request_id
        self.vouched_client = vouched_client
        self.calls, self.waited = 0, 0.0

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        try:
            if self.vouched_client:
                kwargs["headers"] = {CLIENT_HEADER: self.vouched_client, **(kwargs.get("headers") or {})}
            return self.client.send(method, path, self.token, language=self.language,
                                    request_id=self.request_id, **kwargs)
        finally:
            self.calls += 1
            self.waited += time.perf_counter() - started

    def get(self, path: str, **params: Any) -> Any:
        """GET `path` (under /api/v1) with `params`; its JSON body."""
        return self.send("GET", path, params=params).json()

    def page(self, path: str, **params: Any) -> Page:
        """GET one page of a paginated list: its items and the X-Pagination header's figures."""
        response = self.send("GET", path, params=params)
        return Page.of(response)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        response = self.send("POST", path, json=json if json is not None else {}, **kwargs)
        return response.json() if response.content else None

    def patch(self, path: str, json: Any, **kwargs: Any) -> Any:
        response = self.send("PATCH", path, json=json, **kwargs)
        return response.json() if response.content else None

    def gather(self, calls: Mapping[str, Callable[[Api], Any]]) -> dict[str, Any]:
        """Run independent calls side by side; each name gets its result, or the ApiError it raised (so a page
        can show that one part is unavailable while the rest works). SignInNeeded from any of them is raised."""
        started = time.perf_counter()
        sides = {name: Api(self.client, self.token, self.language, self.request_id, self.vouched_client)
                 for name in calls}
        futures = {name: self.client.pool.submit(call, sides[name]) for name, call in calls.items()}
        results: dict[str, Any] = {}
        try:
            for name, future in futures.items():
                try:
                    results[name] = future.result()
                except ApiError as error:
                    results[name] = error
        finally:
            self.calls += sum(side.calls for side in sides.values())
            self.waited += time.perf_counter() - started  # side by side: the wall time, not the sum
        return results


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


def api() -> Api:
    """The API as the current request's signed-in person calls it (one per request)."""
    from console.i18n import api_language

    if "api" not in g:
        client: ApiClient = current_app.extensions["console"].api
        g.api = Api(client, session.get("token"), api_language(), g.get("request_id"),
                    request.headers.get(CLIENT_HEADER))
    return g.api


def server_timing(response: Response) -> Response:
    """Say in Server-Timing how long the page took and how much of it was spent waiting for the API."""
    started = g.get("started")
    if started is not None:
        total = (time.perf_counter() - started) * 1000
        made: Api | None = g.get("api")
        waited = made.waited * 1000 if made else 0.0
        calls = made.calls if made else 0
        response.headers["Server-Timing"] = f'api;dur={waited:.1f};desc="{calls} calls", total;dur={total:.1f}'
    return response
