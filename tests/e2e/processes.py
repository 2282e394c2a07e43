"""Start Guanxi's processes for end-to-end tests, each as its own OS process, and stop them afterwards."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, timeout: float = 60.0) -> None:
    """Wait for `url` to answer 200, or raise naming the last answer."""
    deadline, last = time.monotonic() + timeout, "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.3)
    raise AssertionError(f"{url} not ready after {timeout}s: {last}")


class Processes:
    """A set of running service processes sharing one environment."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir, self.running = env, log_dir, []

    def run(self, *args: str) -> None:
        """Run a one-shot command (a migration) to completion."""
        subprocess.run([sys.executable, "-m", *args], env=self.env, cwd=ROOT, check=True, timeout=120)

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start a long-running process (with `env` added to the shared environment), logging to a file."""
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, *args], env={**self.env, **(env or {})}, cwd=ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.running.append((name, process, log))
        return process

    def stop(self) -> None:
        """Stop everything started (SIGTERM, then SIGKILL)."""
        for _, process, _ in self.running:
            process.terminate()
        for _, process, log in self.running:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()

    def logs(self) -> str:
        """The tail of every process's log, for a failing test's report."""
        return "\n".join(f"--- {name}\n{(self.log_dir / f'{name}.log').read_text(errors='replace')[-3000:]}"
                         for name, _, _ in self.running)


def base_env(var_dir: Path) -> dict[str, str]:
    """The environment without any CRM_* variables of the caller's, plus a var folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "PROMETHEUS_"))}
    env.update({"CRM_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", "CRM_LOG_LEVEL": "INFO"})
    return env
