"""The console's settings, read from CRM_* variables (every one is documented in docs/configuration.md)."""
from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from servicekit.config import business_time_zone, shared_secret, var_folder

#: Where the console listens, and its live-updates process, when CRM_CONSOLE_PORT / CRM_CONSOLE_LIVE_PORT are not set.
DEFAULT_PORT = 8005
DEFAULT_LIVE_PORT = 8006
#: The gateway's own default port (CRM_GATEWAY_PORT), where the console finds the API on this machine by default.
GATEWAY_DEFAULT_PORT = 8080


@dataclass(frozen=True)
class ConsoleSettings:
    """Where the API is, where the console listens, and how it keeps sessions."""

    #: The gateway, as the console reaches it (the same public API integrators use).
    api_url: str
    port: int
    #: Signs the session cookie and its CSRF token.
    secret_key: str
    #: The business time zone: dates and times are shown in it.
    time_zone: str = "Asia/Shanghai"
    api_timeout: float = 10.0
    var_dir: Path = Path("var")
    log_level: str = "INFO"
    #: The live-updates process (`python -m console live`): its port, and the stream's public address as the
    #: browser opens it (empty: the page's own scheme and host, on `live_port`; a path: on the page's origin).
    live_port: int = DEFAULT_LIVE_PORT
    live_url: str = ""
    #: Seconds between refreshes of a live region while the stream is unavailable.
    poll_seconds: float = 30.0
    #: The most rows one bulk action takes ("every row matching this filter" beyond it does nothing).
    bulk_limit: int = 1000
    #: How many of a bulk action's calls to the API run at once.
    bulk_concurrency: int = 4

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsoleSettings:
        env = os.environ if env is None else env
        var_dir = var_folder(env)
        gateway_port = env.get("CRM_GATEWAY_PORT") or GATEWAY_DEFAULT_PORT
        secret = env.get("CRM_CONSOLE_SECRET_KEY") or hmac.new(
            shared_secret(var_dir, env).encode(), b"guanxi console session", hashlib.sha256).hexdigest()
        return cls(
            api_url=(env.get("CRM_CONSOLE_API_URL") or f"http://127.0.0.1:{gateway_port}").rstrip("/"),
            port=int(env.get("CRM_CONSOLE_PORT") or DEFAULT_PORT),
            secret_key=secret,
            time_zone=business_time_zone(env, "CRM_CONSOLE_TIMEZONE").key,
            api_timeout=float(env.get("CRM_CONSOLE_API_TIMEOUT") or 10.0),
            var_dir=var_dir,
            log_level=env.get("CRM_LOG_LEVEL", "INFO"),
            live_port=int(env.get("CRM_CONSOLE_LIVE_PORT") or DEFAULT_LIVE_PORT),
            live_url=(env.get("CRM_CONSOLE_LIVE_URL") or "").strip(),
            poll_seconds=float(env.get("CRM_CONSOLE_POLL_SECONDS") or 30.0),
            bulk_limit=int(env.get("CRM_CONSOLE_BULK_LIMIT") or 1000),
            bulk_concurrency=int(env.get("CRM_CONSOLE_BULK_CONCURRENCY") or 4),
        )
