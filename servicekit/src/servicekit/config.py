"""Settings from the environment; nothing is read at import time.

Every variable is documented in docs/configuration.md.
"""
from __future__ import annotations

import logging
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    return default if raw in (None, "") else int(raw)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    return default if raw in (None, "") else float(raw)


#: Deliveries a consumer may hold unacknowledged unless its service or CRM_CONSUMER_PREFETCH says otherwise.
DEFAULT_PREFETCH = 200

#: (field, variable, parser, default) of a setting read from one variable (servicekit.config.read_variables).
Variable = tuple[str, str, Callable[[str], Any], Any]


def read_variables(env: Mapping[str, str], variables: Iterable[Variable]) -> dict[str, Any]:
    """Each field's value, in the order given: its variable parsed when it is set and not empty, else its
    default (the parser's errors pass through as they are)."""
    return {name: parse(env[variable]) if env.get(variable) else default
            for name, variable, parse, default in variables}


def shared_secret(var_dir: Path, env: Mapping[str, str]) -> str:
    """The token-signing secret: CRM_AUTH_SECRET, or one generated once under the var folder.

    The generated secret only serves the embedded default, where every process shares ./var.
    """
    configured = env.get("CRM_AUTH_SECRET")
    if configured:
        return configured
    path = var_dir / "auth-secret"
    if not path.exists():
        var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        # Readable by this user alone, whatever the umask of the process that happens to create it.
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(48))
        os.replace(tmp, path)
    return path.read_text().strip()


def var_folder(env: Mapping[str, str]) -> Path:
    """The var folder `env` names (CRM_VAR_DIR), as an absolute path."""
    return Path(env.get("CRM_VAR_DIR", "var")).resolve()


def keep_private(var_dir: Path) -> None:
    """Create files and folders for this user alone from now on (umask 077: files 0600, folders 0700), and
    take group and other access off `var_dir` and what lies directly in it, as earlier versions left them.

    The var folder holds the token-signing secret, the SQLite databases and the embedded bus; once it is
    0700 nothing deeper is in another user's reach. Entries another user owns are left as they are.
    """
    os.umask(0o077)
    if not var_dir.is_dir():
        return
    for path in (var_dir, *var_dir.iterdir()):
        status = path.lstat()
        if stat.S_ISLNK(status.st_mode) or status.st_uid != os.getuid() or not status.st_mode & 0o077:
            continue
        try:
            path.chmod(stat.S_IMODE(status.st_mode) & ~0o077)
        except OSError as exc:  # a read-only mount, say: say so, and start all the same
            logging.getLogger(__name__).warning("could not make %s private: %s", path, exc)


@dataclass(frozen=True)
class Settings:
    """What one service process needs to know about its surroundings."""

    service: str
    database_url: str
    broker_url: str
    auth_secret: str
    var_dir: Path
    port: int
    log_level: str = "INFO"
    relay_batch_size: int = 1000
    relay_poll_interval: float = 0.2
    relay_max_backoff: float = 30.0
    consumer_max_retries: int = 3
    consumer_retry_delay: float = 2.0
    consumer_prefetch: int = DEFAULT_PREFETCH
    token_ttl_seconds: int = 3600
    max_request_bytes: int = 64 * 1024 * 1024
    max_json_items: int = 1000
    max_json_depth: int = 32
    statement_timeout: float = 8.0
    #: Seconds to wait for a database connection before giving up (a server that does not answer at all).
    db_connect_timeout: float = 5.0
    #: Times a web request is run again after the database failed under it before it committed anything.
    db_retries: int = 3
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None, default_port: int = 8000,
                 default_prefetch: int = DEFAULT_PREFETCH, **overrides) -> Settings:
        """Read the settings of `service` from `env` (os.environ by default); its port is CRM_<SERVICE>_PORT, else
        `default_port`, and its consumer's prefetch CRM_<SERVICE>_CONSUMER_PREFETCH, else CRM_CONSUMER_PREFETCH,
        else `default_prefetch` (each service says its own: servicekit.runner.ServiceDefinition)."""
        env = os.environ if env is None else env
        var_dir = var_folder(env)
        prefix = f"CRM_{service.upper()}_"
        settings = cls(
            service=service,
            database_url=env.get(prefix + "DATABASE_URL") or f"sqlite:///{var_dir / (service + '.db')}",
            broker_url=env.get("CRM_BROKER_URL") or "filesystem://",
            auth_secret=shared_secret(var_dir, env),
            var_dir=var_dir,
            port=_int(env, prefix + "PORT", default_port),
            log_level=env.get("CRM_LOG_LEVEL", "INFO"),
            relay_batch_size=_int(env, "CRM_RELAY_BATCH_SIZE", 1000),
            relay_poll_interval=_float(env, "CRM_RELAY_POLL_INTERVAL", 0.2),
            relay_max_backoff=_float(env, "CRM_RELAY_MAX_BACKOFF", 30.0),
            consumer_max_retries=_int(env, "CRM_CONSUMER_MAX_RETRIES", 3),
            consumer_retry_delay=_float(env, "CRM_CONSUMER_RETRY_DELAY", 2.0),
            consumer_prefetch=_int(env, prefix + "CONSUMER_PREFETCH",
                                   _int(env, "CRM_CONSUMER_PREFETCH", default_prefetch)),
            token_ttl_seconds=_int(env, "CRM_TOKEN_TTL", 3600),
            max_request_bytes=_int(env, "CRM_MAX_REQUEST_BYTES", 64 * 1024 * 1024),
            max_json_items=_int(env, "CRM_MAX_JSON_ITEMS", 1000),
            max_json_depth=_int(env, "CRM_MAX_JSON_DEPTH", 32),
            statement_timeout=_float(env, "CRM_STATEMENT_TIMEOUT", 8.0),
            db_connect_timeout=_float(env, "CRM_DB_CONNECT_TIMEOUT", 5.0),
            db_retries=_int(env, "CRM_DB_RETRIES", 3),
            extra={k: v for k, v in env.items() if k.startswith("CRM_")},
        )
        return replace(settings, **overrides)


#: Where the dealer group is, unless CRM_TIMEZONE says otherwise.
DEFAULT_TIME_ZONE = "Asia/Shanghai"


def business_time_zone(env: Mapping[str, str], *overrides: str) -> ZoneInfo:
    """The business's time zone, where days, months and years begin: the first of the `overrides` that is
    set (a service's own older name, e.g. CRM_REMINDER_TIMEZONE), else CRM_TIMEZONE, else Asia/Shanghai.
    ValueError naming the variable when its value is no IANA time zone."""
    for name in (*overrides, "CRM_TIMEZONE"):
        value = (env.get(name) or "").strip()
        if value:
            try:
                return ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{name} must name an IANA time zone such as Asia/Shanghai, not {value!r}") from None
    return ZoneInfo(DEFAULT_TIME_ZONE)
