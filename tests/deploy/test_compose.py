"""docker-compose.yml: valid for the Compose Specification, and wired so that `docker compose up` works.

There is no Docker engine here. These tests read the file the way compose does (variables interpolated
from the example env file) and check what an operator would otherwise only find out from a container
that never becomes healthy, a dependency that never starts, or a database that does not exist.
"""
from __future__ import annotations

import copy
import hashlib
import http.server
import importlib
import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from deployfiles import (
    API_CLIENTS,
    ENV_EXAMPLE,
    ROOT,
    MissingVariable,
    compose_variables,
    example_env,
    guanxi_command,
    init_script_databases,
    interpolate,
    is_one_shot,
    read_env_file,
)
from gateway.config import DEFAULT_UPSTREAMS
from servicekit.processes import free_port
from sqlalchemy.engine import make_url

# The Compose Specification's JSON schema, vendored unchanged from compose-spec/compose-spec,
# schema/compose-spec.json (master branch), as shipped in the PyPI package check-jsonschema 0.39.0
# (check_jsonschema/builtin_schemas/vendor/compose-spec.json). Licence: compose-spec.LICENSE (Apache-2.0).
SCHEMA_FILE = Path(__file__).with_name("compose-spec.json")
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"
SECRETS = ("CRM_AUTH_SECRET", "CRM_ADMIN_PASSWORD", "CRM_RABBITMQ_PASSWORD", "CRM_POSTGRES_PASSWORD",
           "CRM_CUSTOMER_DB_PASSWORD", "CRM_GATEWAY_DB_PASSWORD", "CRM_CONSOLE_SECRET_KEY")
HEALTH_URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/\w+)")


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Every way `document` breaks the Compose Specification, as 'path: message' lines."""
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    return [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
            for error in validator.iter_errors(document)]


def guanxi_services(services: dict[str, dict]) -> dict[str, dict]:
    """The compose services that run one of our packages."""
    return {name: service for name, service in services.items() if guanxi_command(service)}


def backend_services(services: dict[str, dict]) -> dict[str, dict]:
    """The compose services of packages with a database and a broker of their own (not the API's clients)."""
    return {name: service for name, service in guanxi_services(services).items()
            if guanxi_command(service)[0] not in API_CLIENTS}


def web_services(services: dict[str, dict]) -> dict[str, dict]:
    """The compose services that run a package's `web` process."""
    return {name: service for name, service in guanxi_services(services).items()
            if guanxi_command(service)[1] == "web"}


def web_port(service: dict) -> int:
    """The port a web process listens on (its CRM_<PACKAGE>_PORT)."""
    package = guanxi_command(service)[0]
    return int(service["environment"][f"CRM_{package.upper()}_PORT"])


def test_the_vendored_schema_is_the_published_file() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256, (
        "compose-spec.json differs from the published schema: vendor a new release instead of editing it")


def test_compose_file_is_valid_for_the_compose_specification(compose: dict) -> None:
    assert schema_errors(compose) == []


@pytest.mark.parametrize("mistake", [
    lambda doc: doc["services"]["customer"].update(restart_policy="always"),
    lambda doc: doc["services"]["customer"]["healthcheck"].update(interval=["10s"]),
    lambda doc: doc["services"]["gateway"]["depends_on"]["customer"].update(condition="service_ready"),
    lambda doc: doc["services"]["postgres"].update(ports="5432:5432"),
], ids=["unknown key", "interval not a duration", "unknown condition", "ports not a list"])
def test_the_schema_catches_mistakes_compose_would_refuse(compose: dict, mistake) -> None:
    broken = copy.deepcopy(compose)
    mistake(broken)
    assert schema_errors(broken) != []


@pytest.mark.parametrize("secret", SECRETS)
def test_compose_refuses_to_start_without_each_secret(compose_text: str, secret: str) -> None:
    env = {**example_env(), secret: ""}
    with pytest.raises(MissingVariable, match=secret):
        interpolate(compose_text, env)
    assert compose_variables(compose_text)[secret] == ":?", f"{secret} must have no default"


def test_the_env_example_lists_exactly_the_variables_compose_reads(compose_text: str) -> None:
    assert set(read_env_file(ENV_EXAMPLE)) == set(compose_variables(compose_text))


def test_every_dependency_exists_and_can_meet_its_condition(services: dict) -> None:
    for name, service in services.items():
        for target, spec in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on {target}, which compose does not define"
            condition = spec["condition"]
            if condition == "service_healthy":
                check = services[target].get("healthcheck", {})
                assert check.get("test") and not check.get("disable"), (
                    f"{name} waits for {target} to be healthy, but {target} has no healthcheck")
            elif condition == "service_completed_successfully":
                assert is_one_shot(services[target]), f"{name} waits for {target} to finish, but it never does"


def test_long_running_services_restart_and_migrations_do_not(services: dict) -> None:
    for name, service in services.items():
        expected = {"no"} if is_one_shot(service) else {"always", "unless-stopped"}
        assert service.get("restart") in expected, f"{name}: restart {service.get('restart')!r}"


def test_every_long_running_service_has_a_healthcheck(services: dict) -> None:
    for name, service in services.items():
        if is_one_shot(service):
            continue
        check = service.get("healthcheck", {})
        if check.get("disable"):
            # Only a process without a port may go without: see the comment on customer-relay.
            assert guanxi_command(service)[1] != "web", f"{name} switched its healthcheck off"
            assert not service.get("ports") and not service.get("expose"), f"{name} serves a port unchecked"
        else:
            assert check.get("test", [None])[0] == "CMD" and len(check["test"]) > 1, f"{name}: no healthcheck"


def test_web_processes_listen_on_all_interfaces_and_check_their_own_port(services: dict) -> None:
    assert web_services(services), "compose runs no web process"
    for name, service in web_services(services).items():
        port = web_port(service)
        assert service["environment"]["CRM_BIND_HOST"] == "0.0.0.0", f"{name} would only listen inside itself"
        assert str(port) in map(str, service.get("expose", [])) or any(
            str(mapping).endswith(f":{port}") for mapping in service.get("ports", [])), f"{name}: port {port}"
        checked = HEALTH_URL.search(service["healthcheck"]["test"][-1])
        assert checked and int(checked[1]) == port and checked[2] in ("/readyz", "/healthz"), name


class _Stub(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # the name http.server calls
        self.send_response(self.server.status if self.path in ("/readyz", "/healthz") else 404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def run_healthcheck(test: list[str], port: int) -> int:
    """Run a compose healthcheck's command here, pointed at `port`; return its exit code."""
    assert test[:3] == ["CMD", "python", "-c"], test
    code = HEALTH_URL.sub(lambda m: f"http://127.0.0.1:{port}{m[2]}", test[3])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30).returncode


@pytest.mark.parametrize("status, healthy", [(200, True), (503, False)])
def test_web_healthchecks_pass_only_when_the_service_answers_ok(services: dict, status: int, healthy: bool) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.status = status
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for name, service in web_services(services).items():
            exit_code = run_healthcheck(service["healthcheck"]["test"], server.server_address[1])
            assert (exit_code == 0) is healthy, f"{name}: healthcheck exit {exit_code} on HTTP {status}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_web_healthcheck_fails_when_nothing_listens(services: dict) -> None:
    closed_port = free_port()  # nobody listens there, and nobody in the test run is given it
    for name, service in web_services(services).items():
        assert run_healthcheck(service["healthcheck"]["test"], closed_port) != 0, name


def test_every_process_waits_for_its_own_migration(services: dict) -> None:
    for name, service in backend_services(services).items():
        package, process = guanxi_command(service)
        if process == "migrate":
            continue
        migrations = [target for target, spec in service["depends_on"].items()
                      if guanxi_command(services[target]) == (package, "migrate")
                      and spec["condition"] == "service_completed_successfully"]
        assert migrations, f"{name} may start before the {package} schema exists"


def commands_of(package: str) -> set[str]:
    """The commands `python -m <package>` offers (the kit's and the service's own workers)."""
    if package == "gateway":
        return {"migrate", "web", "relay"}
    if package == "console":
        return {"web", "live"}
    definition = importlib.import_module(f"{package}.entrypoints.runner").DEFINITION
    return {"migrate", "web", "consume", *definition.workers} | ({"relay"} if definition.publishes_events else set())


def test_every_process_runs_its_packages_image(services: dict) -> None:
    for name, service in guanxi_services(services).items():
        package, process = guanxi_command(service)
        assert process in commands_of(package), f"{name}: `python -m {package}` has no command {process}"
        build = service["build"]
        assert build["context"] == ".", f"{name}: the image needs the repository root as build context"
        dockerfile = (ROOT / build["dockerfile"]).read_text(encoding="utf-8")
        args = build.get("args") or {}
        # One Dockerfile builds every image: the SERVICE argument names the package it runs, from SOURCE.
        assert "ARG SERVICE" in dockerfile and args.get("SERVICE") == package, f"{name} runs {package}, built as {args}"
        assert (ROOT / str(args.get("SOURCE")) / "src" / package / "__main__.py").is_file(), f"{name}: SOURCE {args}"


def test_service_databases_are_the_ones_the_init_script_creates(services: dict) -> None:
    databases = init_script_databases()
    postgres_env = services["postgres"]["environment"]
    packages = {guanxi_command(service)[0] for service in backend_services(services).values()}
    assert packages <= set(databases), f"no database created for {sorted(packages - set(databases))}"
    for name, service in backend_services(services).items():
        package = guanxi_command(service)[0]
        url = make_url(service["environment"][f"CRM_{package.upper()}_DATABASE_URL"])
        assert url.drivername == "postgresql+psycopg" and url.host == "postgres", f"{name}: {url}"
        assert url.database in databases, f"{name} uses database {url.database}, which nobody creates"
        assert url.database == package, f"{name} reads another service's database {url.database}"
        assert url.username == url.database, f"{name} logs in as {url.username}, not as the database's owner"
        assert url.password == postgres_env[databases[url.database]], f"{name}: password differs from the role's"


def test_the_init_script_is_mounted_where_postgres_runs_it(services: dict) -> None:
    mounts = [volume.split(":") for volume in services["postgres"]["volumes"] if volume.startswith("./")]
    assert ["./deploy/postgres/init-databases.sh"] in [mount[:1] for mount in mounts]
    target = next(mount[1] for mount in mounts if mount[0] == "./deploy/postgres/init-databases.sh")
    assert target.startswith("/docker-entrypoint-initdb.d/") and target.endswith(".sh")


def test_bind_mounted_files_exist(services: dict) -> None:
    # A missing source would make docker create an empty directory in its place.
    for name, service in services.items():
        for volume in service.get("volumes", []):
            if volume.startswith("./"):
                source = ROOT / volume.split(":")[0]
                assert source.is_file(), f"{name} mounts {source.relative_to(ROOT)}, which does not exist"


def test_every_process_reaches_the_broker_with_its_account(services: dict) -> None:
    rabbit_env = services["rabbitmq"]["environment"]
    for name, service in backend_services(services).items():
        url = make_url(service["environment"]["CRM_BROKER_URL"].replace("amqp://", "amqp+x://"))
        assert url.host == "rabbitmq" and url.port == 5672, f"{name}: {url.host}:{url.port}"
        assert (url.username, url.password) == (rabbit_env["RABBITMQ_DEFAULT_USER"],
                                                rabbit_env["RABBITMQ_DEFAULT_PASS"]), name


def test_every_process_shares_one_token_secret(services: dict) -> None:
    secrets = {service["environment"]["CRM_AUTH_SECRET"] for service in backend_services(services).values()}
    assert len(secrets) == 1
    # The console checks no token itself (the gateway does, on every API call it makes): it has no key to leak.
    for name, service in guanxi_services(services).items():
        if guanxi_command(service)[0] in API_CLIENTS:
            assert "CRM_AUTH_SECRET" not in service["environment"], name


def test_the_console_calls_the_api_through_the_gateway_and_signs_its_sessions_with_its_own_key(services: dict) -> None:
    env = services["console"]["environment"]
    url = make_url(env["CRM_CONSOLE_API_URL"].replace("http://", "http+x://"))
    assert url.host == "gateway" and url.port == web_port(services["gateway"])
    assert env["CRM_CONSOLE_SECRET_KEY"] and env["CRM_CONSOLE_SECRET_KEY"] != services["gateway"]["environment"][
        "CRM_AUTH_SECRET"]
    # Browsers reach it through the gateway only.
    assert not services["console"].get("ports")


def test_the_gateway_knows_where_every_service_is(services: dict) -> None:
    env = services["gateway"]["environment"]
    # The console's live stream is opened by browsers directly (or routed at the edge), never through the gateway.
    for package in [*DEFAULT_UPSTREAMS, "console"]:
        value = env.get(f"CRM_{package.upper()}_URL")
        assert value is not None, f"the gateway would look for {package} on its own loopback address"
        if value:
            url = make_url(value.replace("http://", "http+x://"))
            assert url.host in services, f"{package}: no compose service {url.host}"
            assert url.port == web_port(services[url.host]), f"{package}: wrong port {url.port}"


def test_prometheus_scrapes_every_web_service(services: dict) -> None:
    mount = next(volume for volume in services["prometheus"]["volumes"] if volume.endswith("prometheus.yml:ro"))
    config = yaml.safe_load((ROOT / mount.split(":")[0]).read_text(encoding="utf-8"))
    scraped = set()
    for job in config["scrape_configs"]:
        if job.get("metrics_path", "/metrics") != "/metrics":
            continue
        for sd in job.get("dns_sd_configs", []):
            scraped |= {(name, sd["port"]) for name in sd["names"] if sd.get("type") == "A"}
        for static in job.get("static_configs", []):
            scraped |= {(host, int(port)) for host, port in (t.rsplit(":", 1) for t in static["targets"])}
    for name, service in web_services(services).items():
        if guanxi_command(service)[0] in API_CLIENTS:
            continue  # the console serves no /metrics: its pages' time is in their Server-Timing header
        assert (name, web_port(service)) in scraped, f"Prometheus does not scrape {name}"
