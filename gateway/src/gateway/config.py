"""The gateway's own settings, read from the CRM_* variables the kit's Settings already collected.

Every variable is documented in docs/configuration.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from servicekit.config import Settings, Variable, read_variables

from gateway.domain.throttle import LoginPolicy

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

#: Path prefix under /api/v1 -> the service that serves it (PRODUCT.md 2.5).
ROUTES: dict[str, str] = {
    "customers": "customer",
    "stores": "customer",
    "complaints": "complaint",
    "reminders": "reminder",
    "appointments": "reminder",
    "reports": "reporting",
}
DEFAULT_UPSTREAMS: dict[str, str] = {
    "customer": "http://127.0.0.1:8001",
    "complaint": "http://127.0.0.1:8002",
    "reminder": "http://127.0.0.1:8003",
    "reporting": "http://127.0.0.1:8004",
}
DEFAULT_CONSOLE = "http://127.0.0.1:8005"


@dataclass(frozen=True)
class GatewayConfig:
    """Where the services are and how the door behaves."""

    upstreams: dict[str, str]
    upstream_timeout: float = 10.0
    connect_timeout: float = 2.0
    readiness_timeout: float = 1.0
    rate_limit: str = "1200/minute"
    token_rate_limit: str = "60/minute"
    rate_limit_storage_uri: str = "memory://"
    cors_origins: tuple[str, ...] = ()
    admin_password: str | None = None
    openapi_cache_seconds: float = 5.0
    #: Lifetime of the token minted for each request passed on to a service: it only has to get there.
    service_token_ttl: int = 10
    login_policy: LoginPolicy = field(default_factory=LoginPolicy)
    #: Proxies in front of the gateway that append the client's address to X-Forwarded-For.
    trusted_proxies: int = 0
    #: The staff console every browser path outside the API goes to; None when none is deployed.
    console_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayConfig:
        """Read the gateway's variables from `settings.extra` (the CRM_* environment).

        A service whose URL variable is set to the empty string is not configured: its routes answer
        503 and it is left out of readiness and the OpenAPI document. So is the console (CRM_CONSOLE_URL).
        """
        env = settings.extra
        upstreams = {}
        for service, default in DEFAULT_UPSTREAMS.items():
            url = env.get(f"CRM_{service.upper()}_URL", default).strip()
            if url:
                upstreams[service] = url.rstrip("/")
        origins = tuple(origin.strip() for origin in env.get("CRM_CORS_ORIGINS", "").split(",") if origin.strip())
        # read in this order, so that of two bad variables the same one is named as ever
        return cls(upstreams=upstreams, cors_origins=origins, **read_variables(env, _VARIABLES),
                   login_policy=LoginPolicy(**read_variables(env, _LOGIN_VARIABLES)),
                   **read_variables(env, _PROXY_VARIABLES),
                   console_url=env.get("CRM_CONSOLE_URL", DEFAULT_CONSOLE).strip().rstrip("/") or None)


#: The settings read from one variable each (unset or empty: the default).
_VARIABLES: tuple[Variable, ...] = (
    ("upstream_timeout", "CRM_GATEWAY_UPSTREAM_TIMEOUT", float, 10.0),
    ("connect_timeout", "CRM_GATEWAY_CONNECT_TIMEOUT", float, 2.0),
    ("readiness_timeout", "CRM_GATEWAY_READINESS_TIMEOUT", float, 1.0),
    ("rate_limit", "CRM_RATE_LIMIT", str, "1200/minute"),
    ("token_rate_limit", "CRM_TOKEN_RATE_LIMIT", str, "60/minute"),
    ("rate_limit_storage_uri", "CRM_RATE_LIMIT_STORAGE_URI", str, "memory://"),
    ("admin_password", "CRM_ADMIN_PASSWORD", str, None),
    ("openapi_cache_seconds", "CRM_GATEWAY_OPENAPI_CACHE_SECONDS", float, 5.0),
    ("service_token_ttl", "CRM_SERVICE_TOKEN_TTL", int, 10),
)
#: The login throttle's (LoginPolicy's).
_LOGIN_VARIABLES: tuple[Variable, ...] = (
    ("window", "CRM_LOGIN_FAILURE_WINDOW", float, 900.0),
    ("per_user_and_address", "CRM_LOGIN_FAILURES_PER_USER_AND_ADDRESS", int, 5),
    ("per_user", "CRM_LOGIN_FAILURES_PER_USER", int, 20),
    ("per_address", "CRM_LOGIN_FAILURES_PER_ADDRESS", int, 100),
)
_PROXY_VARIABLES: tuple[Variable, ...] = (("trusted_proxies", "CRM_GATEWAY_TRUSTED_PROXIES", int, 0),)

