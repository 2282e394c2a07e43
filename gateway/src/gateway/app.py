"""create_app: the gateway's Flask app (nothing is opened at import)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from flask_cors import CORS
from servicekit.config import Settings
from servicekit.webapp import create_service_app, service_context
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.adapters.upstreams import Upstreams
from gateway.config import GatewayConfig
from gateway.entrypoints import (
    api_keys_api,
    auth_api,
    console,
    fast_proxy,
    openapi,
    personal_data,
    proxy,
    readiness,
    saved_views_api,
    users_api,
)
from gateway.entrypoints.authentication import authenticator
from gateway.entrypoints.limits import install_limits
from gateway.service_layer.accounts import announce_users, ensure_first_admin
from gateway.service_layer.standing import TokenStanding

#: Headers a browser script may read from a cross-origin answer.
CORS_EXPOSED = ["X-Request-ID", "ETag", "Location", "Link", "X-Pagination", "Retry-After", "Idempotent-Replayed"]


@dataclass
class GatewayState:
    """What the gateway's views share beside the kit's ServiceContext."""

    config: GatewayConfig
    upstreams: Upstreams
    #: This process's knowledge of which session tokens still stand.
    standing: TokenStanding = field(default_factory=TokenStanding)


def create_app(settings: Settings | None = None, *, config: GatewayConfig | None = None,
               engine: Engine | None = None) -> Flask:
    """The gateway app: its own endpoints, the routes to every service, limits, CORS and readiness."""
    settings = settings or Settings.from_env("gateway")
    config = config or GatewayConfig.from_settings(settings)
    door = authenticator(settings)
    app = create_service_app(
        settings, "Guanxi gateway", [auth_api.blp, users_api.blp, api_keys_api.blp, saved_views_api.blp],
        check_broker=False, engine=engine, public_paths=auth_api.PUBLIC_PATHS | {openapi.PATH},
        public_when=console.is_console_path,
        authenticate=door, idempotency=False)  # the services behind it keep the keys
    upstreams = Upstreams(config)
    app.extensions["gateway"] = GatewayState(config, upstreams)
    personal_data.register(app)
    proxy.register_routes(app)
    console.register(app)
    openapi.install_openapi(app, upstreams, timeout=max(config.readiness_timeout, 2.0),
                            ttl=config.openapi_cache_seconds)
    # The kit's /readyz checks a database and a broker; the gateway's checks the services behind it.
    app.view_functions["readyz"] = readiness.readyz
    limits = install_limits(app, config, auth_api.blp)
    # In front of the Flask app (behind ProxyFix, which the fast path must see through as Flask does).
    fast_proxy.install(app, door, limits)
    if config.trusted_proxies:
        # Behind an Ingress or load balancer every connection comes from the proxy: the client's address, which
        # rate limits and failed-login counts go by, is the one the trusted proxies put in X-Forwarded-For.
        # Only as many hops as are trusted are read, so a client cannot name an address of its choosing.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies)  # type: ignore[method-assign]
    if config.cors_origins:
        CORS(app, origins=list(config.cors_origins), expose_headers=CORS_EXPOSED, max_age=600)
    ensure_first_admin(service_context(app).sessions, config.admin_password)
    # Every user the services have not heard of yet (all of them, the first time), so their copies fill at once.
    announce_users(service_context(app).sessions)
    return app
