"""Pooled connections to the gateway, shared by every request of a process, and one call over them."""
from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import httpx

from console.api.errors import ApiError, SignInNeeded, problem_of


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
            raise SignInNeeded(problem_of(response).get("detail"))
        if response.status_code >= 400:
            raise ApiError(response.status_code, problem_of(response))
        return response
