"""Guanxi's processes as real OS processes, for end-to-end tests and benchmarks: start, wait, stop."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(var_dir: Path) -> dict[str, str]:
    """This process's environment without any CRM_* or Prometheus settings, plus a var folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "PROMETHEUS_"))}
    env.update({"CRM_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1", "CRM_LOG_LEVEL": "INFO"})
    return env


def wait_until_ready(url: str, process: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    """Wait for `url` to answer 200; raise naming the last answer, or at once if `process` died."""
    deadline, last = time.monotonic() + timeout, "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout}s: {last}")


class Processes:
    """Service processes sharing one environment, their output in log files; stopped together."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.running: list[tuple[str, subprocess.Popen, object]] = []

    def run(self, *args: str) -> None:
        """Run `python -m <args>` (a migration) to completion."""
        subprocess.run([sys.executable, "-m", *args], env=self.env, check=True, timeout=120,
                       stdout=subprocess.DEVNULL)

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start `python -m <args>` in the background, with `env` added to the shared environment."""
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen([sys.executable, "-m", *args], env={**self.env, **(env or {})}, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.running.append((name, process, log))
        return process

    def stop(self) -> None:
        """SIGTERM everything started, SIGKILL what does not go within 15 s."""
        for _, process, _ in self.running:
            process.terminate()
        for _, process, log in self.running:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def logs(self) -> str:
        """The tail of every process's log, for an error report."""
        return "\n".join(f"--- {name}\n{(self.log_dir / f'{name}.log').read_text(errors='replace')[-3000:]}"
                         for name, _, _ in self.running)
