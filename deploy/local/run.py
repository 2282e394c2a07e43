"""`make run`: the whole system on this machine, every service its own process, on the embedded default
(one SQLite file per service and the filesystem bus under ./var) unless CRM_BROKER_URL and
CRM_<SERVICE>_DATABASE_URL point elsewhere. Ctrl-C stops everything.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from console.config import DEFAULT_PORT as CONSOLE_DEFAULT_PORT
from gateway.config import DEFAULT_UPSTREAMS
from honcho.manager import Manager
from reminder.config import ReminderSettings
from servicekit.config import keep_private, shared_secret, var_folder

#: (service, process) pairs, in start order. A service with events to apply adds its "consume" here.
PROCESSES = [
    ("customer", "web"),
    ("customer", "relay"),
    ("customer", "consume"),
    ("complaint", "web"),
    ("complaint", "relay"),
    ("complaint", "consume"),
    ("complaint", "scan"),
    ("reminder", "web"),
    ("reminder", "relay"),
    ("reminder", "consume"),
    ("reminder", "schedule"),
    ("reporting", "web"),
    ("reporting", "consume"),
    ("gateway", "web"),
    ("gateway", "relay"),
    ("console", "web"),
    ("console", "live"),
]
SERVICES = list(dict.fromkeys(service for service, _ in PROCESSES))
#: What keeps a database of its own (the console keeps none: it is a client of the gateway's API).
MIGRATED = [service for service in SERVICES if service != "console"]


def default_port(name: str) -> int:
    """The port `name`'s web process takes when CRM_<NAME>_PORT is not set, as it says itself."""
    if name == "console":
        return CONSOLE_DEFAULT_PORT
    return import_module(f"{name}.entrypoints.runner").DEFINITION.port


def admin_password(var_dir: Path) -> str:
    """CRM_ADMIN_PASSWORD, or one generated on the first run and kept in var/admin-password."""
    if os.environ.get("CRM_ADMIN_PASSWORD"):
        return os.environ["CRM_ADMIN_PASSWORD"]
    path = var_dir / "admin-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def where_messages_go(env: dict[str, str], var_dir: Path, url: str) -> str:
    """The banner's line on messages to customers and staff, as the reminder service's settings decide."""
    settings = ReminderSettings.from_env(env, var_dir)
    said = settings.where_messages_go()
    return said + (f"\n             and listed at {url}/api/v1/reminders/messages" if settings.outbox_on() else "")


def announce_when_ready(url: str, password: str, var_dir: Path, stop: threading.Event,
                        env: dict[str, str] | None = None) -> None:
    """Print where to go and how to log in once the gateway says every service is ready."""
    deadline = time.monotonic() + 120
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        time.sleep(0.5)
    bar = "=" * 64
    print(f"\n{bar}\n Guanxi is running.\n"
          f"   Console:  {url}/   (the staff console: sign in there)\n"
          f"   API:      {url}/api/v1   (OpenAPI: {url}/api/v1/openapi.json)\n"
          f"   Login:    admin / {password}\n"
          f"   Get a token:  curl -s -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json' \\\n"
          f"                   -d '{{\"username\": \"admin\", \"password\": \"{password}\"}}'\n"
          f"   State:    {var_dir}\n"
          f"   Messages: {where_messages_go(env or dict(os.environ), var_dir, url)}\n"
          f" Press Ctrl-C to stop everything.\n{bar}\n", flush=True)


def main() -> int:
    var_dir = var_folder(os.environ)
    keep_private(var_dir)  # the secret, the admin password, databases, bus and metrics: this user's alone
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CRM_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}
    env["CRM_AUTH_SECRET"] = shared_secret(var_dir, env)
    env["CRM_ADMIN_PASSWORD"] = password = admin_password(var_dir)
    env.setdefault("CRM_WEB_WORKERS", "2")
    for service in DEFAULT_UPSTREAMS:
        # The gateway reaches the services that run here; the others are "not deployed" (empty URL).
        if service not in SERVICES:
            env.setdefault(f"CRM_{service.upper()}_URL", "")
            continue
        port = env.get(f"CRM_{service.upper()}_PORT") or default_port(service)
        env.setdefault(f"CRM_{service.upper()}_URL", f"http://127.0.0.1:{port}")
    console_port = env.get("CRM_CONSOLE_PORT") or default_port("console")
    env.setdefault("CRM_CONSOLE_URL", f"http://127.0.0.1:{console_port}")
    for service in MIGRATED:
        print(f"migrating {service} …", flush=True)
        subprocess.run([sys.executable, "-m", service, "migrate"], env=env, check=True)
    manager = Manager()
    for service, process in PROCESSES:
        metrics_dir = var_dir / "metrics" / service
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        manager.add_process(f"{service}.{process}", f"{sys.executable} -m {service} {process}",
                            env={**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    stop = threading.Event()
    url = f"http://127.0.0.1:{os.environ.get('CRM_GATEWAY_PORT') or default_port('gateway')}"
    threading.Thread(target=announce_when_ready, args=(url, password, var_dir, stop, env), daemon=True).start()
    manager.loop()
    stop.set()
    return exit_status(manager)


#: How a process ends when it was told to stop (SIGTERM from the launcher, SIGKILL after honcho's wait): not a failure.
STOPPED = {0, -signal.SIGTERM, -signal.SIGINT, -signal.SIGKILL, 128 + signal.SIGTERM, 128 + signal.SIGINT}


def exit_status(manager: Manager) -> int:
    """0 when everything stopped because it was asked to (Ctrl-C, SIGTERM): nothing for `make` to call an error;
    else the code of the process that ended on its own (which stopped the others)."""
    ended = [process.get("returncode") for process in manager._processes.values()]
    failed = [code for code in ended if code is not None and code not in STOPPED]
    if manager.returncode in (128 + signal.SIGINT, 128 + signal.SIGTERM) and not failed:
        return 0
    return manager.returncode or (failed[0] if failed else 0)


def take_the_terminal() -> Callable[[], None]:
    """Become the terminal's foreground process group, so that a Ctrl-C reaches the launcher (which stops
    everything and ends with 0) and not `make` above it, which would end "Error 130" or die of it; returns what
    gives the terminal back. Nothing to do without a terminal, or when run in the background."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return lambda: None
    try:
        previous = os.tcgetpgrp(terminal)
        if previous != os.getpgrp():
            raise OSError("not in the foreground")
        os.setpgid(0, 0)  # a group of its own (EPERM for a session leader: then it has the terminal's signals)
        _without_sigttou(lambda: os.tcsetpgrp(terminal, os.getpgrp()))
    except OSError:
        os.close(terminal)
        return lambda: None
    signal.signal(signal.SIGTSTP, signal.SIG_IGN)  # Ctrl-Z would stop the launcher but leave `make` waiting

    def give_back() -> None:
        try:
            _without_sigttou(lambda: os.tcsetpgrp(terminal, previous))
        except OSError:
            pass  # the group that had it is gone: the shell takes the terminal back itself
        os.close(terminal)

    return give_back


def _without_sigttou(change: Callable[[], None]) -> None:
    """Run `change` (a tcsetpgrp) with SIGTTOU ignored: a process outside the foreground group may then make it."""
    before = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        change()
    finally:
        signal.signal(signal.SIGTTOU, before)


def launch() -> int:
    """`make run`: main() with the terminal's Ctrl-C its own; a Ctrl-C at any point stops everything, quietly."""
    give_back = take_the_terminal()
    try:
        return main()
    except KeyboardInterrupt:  # during the migrations, before the processes run
        return 0
    finally:
        give_back()


if __name__ == "__main__":
    sys.exit(launch())
