"""The API as the signed-in person of the current request calls it, counting its calls and the time spent
waiting for them (the page's Server-Timing header)."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from flask import Response, current_app, g, request, session

from console.api.client import ApiClient
from console.api.errors import ApiError
from console.api.page import Page

#: The browser's address, signed by the gateway as it passed the browser's request on: sent back on every API call
#: so that the gateway counts failed sign-ins and its rate limits per browser, not on the console's address.
CLIENT_HEADER = "X-Console-Client"


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
