"""The web process as the containers run it: several workers on PostgreSQL, metrics shared.

docker-compose.yml and deploy/k8s start `python -m gateway web` with CRM_WEB_WORKERS workers and a
PROMETHEUS_MULTIPROC_DIR per container; this runs exactly that on this machine, under gunicorn (the default)
and under granian (CRM_WEB_SERVER=granian).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from deployfiles import ROOT
from prometheus_client.parser import text_string_to_metric_families
from servicekit.processes import free_port, login
from servicekit.testing import TEST_SECRET

pytestmark = pytest.mark.integration
WORKERS = 3
REQUESTS = 90
ADMIN_PASSWORD = "Workers-check-Pa55word"


@contextmanager
def _gateway_web(postgres_database, tmp_path: Path, **variables: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m gateway web` on a fresh PostgreSQL database, with `variables` (CRM_*) added; yields its base
    URL and the web server's main process."""
    port, metrics_dir = free_port(), tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {**os.environ, "CRM_GATEWAY_DATABASE_URL": postgres_database("gateway_workers"),
           "CRM_AUTH_SECRET": TEST_SECRET, "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "CRM_VAR_DIR": str(tmp_path / "var"), "CRM_GATEWAY_PORT": str(port), "CRM_BIND_HOST": "127.0.0.1",
           "CRM_WEB_WORKERS": str(WORKERS), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
           "CRM_CUSTOMER_URL": "", "CRM_COMPLAINT_URL": "", "CRM_REMINDER_URL": "", "CRM_REPORTING_URL": "",
           **{f"CRM_{name}": value for name, value in variables.items()}}
    migrate = subprocess.run([sys.executable, "-m", "gateway", "migrate"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    log = tmp_path / "web.log"
    with log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "gateway", "web"], env=env, cwd=ROOT,
                                   stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the gateway did not start:\n{log.read_text()[-3000:]}", pytrace=False)
            time.sleep(0.2)
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(params=["gunicorn", "granian"])
def gateway_web(request, postgres_database, tmp_path: Path) -> Iterator[str]:
    """`python -m gateway web` with several workers on a fresh PostgreSQL database, under each web server;
    yields its base URL."""
    with _gateway_web(postgres_database, tmp_path, WEB_SERVER=request.param) as (base, _):
        yield base


def _workers(master: int) -> set[int]:
    """The process ids of the web server's workers (children of its main process)."""
    children = set()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.add(int(stat_file.parent.name))
    return children


def test_workers_answer_concurrent_requests_without_sharing_a_database_connection(gateway_web: str) -> None:
    headers = login(gateway_web, "admin", ADMIN_PASSWORD)  # the gateway takes session tokens only

    def list_users(_: int) -> int:
        return httpx.get(f"{gateway_web}/api/v1/users", headers=headers, timeout=15).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = Counter(pool.map(list_users, range(REQUESTS)))
    assert statuses == {200: REQUESTS}

    families = {family.name: family for family in
                text_string_to_metric_families(httpx.get(f"{gateway_web}/metrics", timeout=5).text)}
    served = sum(sample.value for sample in families["http_requests"].samples
                 if sample.name == "http_requests_total" and sample.labels["route"] == "/api/v1/users")
    assert served == REQUESTS, "/metrics must add up every worker's requests"


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_a_stuck_worker_is_replaced_after_the_web_timeout(server: str, postgres_database, tmp_path: Path) -> None:
    variables = {"WEB_SERVER": server, "WEB_WORKERS": "1", "WEB_TIMEOUT": "2"}
    with _gateway_web(postgres_database, tmp_path, **variables) as (base, master):
        (stuck,) = _workers(master.pid)
        os.kill(stuck, signal.SIGSTOP)  # as a worker whose interpreter never gets back to its main loop
        try:
            started = time.monotonic()
            while True:
                try:
                    answer = httpx.get(f"{base}/healthz", timeout=15)
                    break
                except httpx.TransportError:
                    # Granian's workers each listen on a socket of their own (SO_REUSEPORT): what waited on the
                    # stuck one's is reset when it is killed (unless net.ipv4.tcp_migrate_req moves it on), and
                    # with one worker nothing listens until the fresh one does.
                    assert server == "granian", "gunicorn's workers share one socket: a fresh worker takes it"
                    assert time.monotonic() - started < 10, "no worker took requests again"
                    time.sleep(0.1)
            assert answer.status_code == 200
            assert time.monotonic() - started < 10  # the default timeout would have waited 30 s
            assert stuck not in _workers(master.pid)
            if server == "granian":
                assert "has not checked in" in (tmp_path / "web.log").read_text()
        finally:
            try:
                os.kill(stuck, signal.SIGCONT)
            except ProcessLookupError:
                pass
