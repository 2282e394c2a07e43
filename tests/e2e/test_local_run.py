"""`make run`'s launcher on the embedded default (SQLite files and the filesystem bus): it starts every
process, says where to go and how to log in, serves the API, and stops everything on Ctrl-C."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from servicekit.processes import clean_env, free_ports

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _open_to_others(folder: Path) -> list[str]:
    """Everything under `folder` that another user may read, skipping what goes away meanwhile (messages)."""
    found = []
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            try:
                if _mode(Path(parent, name)) & 0o077:
                    found.append(os.path.join(parent, name))
            except FileNotFoundError:
                pass
    return found


def test_the_launcher_runs_the_system_on_the_embedded_default_and_stops_on_ctrl_c(tmp_path):
    var_dir = tmp_path / "var"
    gateway_port, customer_port = free_ports(2)
    env = clean_env(var_dir)
    env.update({"CRM_GATEWAY_PORT": str(gateway_port), "CRM_CUSTOMER_PORT": str(customer_port),
                "CRM_WEB_WORKERS": "1"})
    log = (tmp_path / "run.log").open("w+b")
    launcher = subprocess.Popen([sys.executable, "deploy/local/run.py"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while b"Guanxi is running" not in (tmp_path / "run.log").read_bytes():
            assert launcher.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.3)
        banner = (tmp_path / "run.log").read_text()
        password = (var_dir / "admin-password").read_text().strip()
        assert f"admin / {password}" in banner
        assert f"http://127.0.0.1:{gateway_port}/api/v1" in banner
        # no SMS, e-mail or WeChat configured: the banner says messages go to the local outbox, not out
        assert f"Messages: not sent: written to {var_dir.resolve() / 'reminder' / 'outbox.jsonl'}" in banner
        assert f"http://127.0.0.1:{gateway_port}/api/v1/reminders/messages" in banner
        assert {"customer.db", "gateway.db"} <= {path.name for path in var_dir.iterdir()}

        gateway = f"http://127.0.0.1:{gateway_port}"
        token = httpx.post(f"{gateway}/api/v1/auth/token",
                           json={"username": "admin", "password": password}).json()["access_token"]
        created = httpx.post(f"{gateway}/api/v1/customers", headers={"Authorization": f"Bearer {token}"},
                             json={"name": "陈静", "phone": "13700137000", "kind": "owner"})
        assert created.status_code == 201, created.text
        metrics = ""
        for _ in range(50):  # the relay publishes the event onto the embedded bus
            metrics = httpx.get(f"http://127.0.0.1:{customer_port}/metrics").text
            if 'events_published_total{service="customer",type="customer.created.v1"} 1.0' in metrics:
                break
            time.sleep(0.2)
        assert 'outbox_backlog{service="customer"} 0.0' in metrics
        assert 'events_published_total{service="customer",type="customer.created.v1"} 1.0' in metrics
        # The signing secret, the admin's password, databases, bus and metric files: this user's alone.
        assert {path.name: _mode(path) for path in (var_dir, var_dir / "auth-secret", var_dir / "admin-password",
                                                    var_dir / "customer.db", var_dir / "bus")} == {
            "var": 0o700, "auth-secret": 0o600, "admin-password": 0o600, "customer.db": 0o600, "bus": 0o700}
        assert any((var_dir / "metrics" / "customer").iterdir())
        assert _open_to_others(var_dir) == []
    finally:
        launcher.send_signal(signal.SIGINT)
        try:
            stopped = launcher.wait(30)
        finally:
            try:  # nothing the launcher started may outlive the test
                os.killpg(launcher.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            log.close()
    assert stopped == 0, (tmp_path / "run.log").read_text()  # stopped as asked: not an error
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{gateway_port}/healthz", timeout=2)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{customer_port}/healthz", timeout=2)
