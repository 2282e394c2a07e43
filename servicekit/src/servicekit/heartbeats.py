"""Web workers that stop checking in are killed, under a server that has no such check of its own (granian).

Gunicorn's arbiter replaces a worker that has not checked in for its timeout: a worker whose interpreter never
gets back to its loop (a C call that never returns, a stopped process). Granian respawns a worker that exits
but does not notice one that hangs. So each worker touches a file of its own every so often from a thread
(which needs the interpreter as much as a request does), and a thread of the server's main process kills a
worker whose file is older than the timeout; granian then starts a fresh one. As in gunicorn, a request that
runs long in one of a worker's threads does not stop the others from checking in.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def interval(timeout: float) -> float:
    """How often a worker checks in, and the watch looks, for a `timeout` in seconds."""
    return max(0.25, timeout / 4)


def check_in_every(folder: Path, timeout: float) -> None:
    """In a worker: touch `folder`/<pid> now, then every `interval(timeout)` seconds from a daemon thread."""
    beat = folder / str(os.getpid())
    beat.touch()

    def touch() -> None:
        while True:
            time.sleep(interval(timeout))
            try:
                os.utime(beat)
            except FileNotFoundError:  # the watch gave up on this worker
                return

    threading.Thread(target=touch, name="web-heartbeat", daemon=True).start()


def kill_silent_workers(folder: Path, timeout: float) -> list[int]:
    """Kill each worker whose file in `folder` is older than `timeout` seconds; forget the files of workers
    that are gone. Returns the killed workers' process ids."""
    killed = []
    now = time.time()
    for beat in folder.iterdir():
        if not beat.name.isdigit():
            continue
        pid = int(beat.name)
        try:
            silent = now - beat.stat().st_mtime
        except FileNotFoundError:
            continue
        if not _child(pid):  # gone (its number may even be another process's by now)
            beat.unlink(missing_ok=True)
            continue
        if silent > timeout:
            logger.error("web worker %s has not checked in for %.1f s (timeout %s s): killing it", pid, silent, timeout)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            beat.unlink(missing_ok=True)
            killed.append(pid)
    return killed


def _child(pid: int) -> bool:
    """Whether `pid` is a running child of this process (where /proc cannot tell, whether it runs)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if Path("/proc/self").exists():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    except OSError:
        return False
    parent = int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state; the name may hold ")"
    return parent == os.getpid()


def watch(folder: Path, timeout: float, stop: threading.Event, on_kill=lambda pid: None) -> threading.Thread:
    """Start a daemon thread that kills silent workers (`kill_silent_workers`) until `stop` is set, calling
    `on_kill` with each killed worker's process id."""
    def run() -> None:
        while not stop.wait(interval(timeout)):
            try:
                for pid in kill_silent_workers(folder, timeout):
                    on_kill(pid)
            except Exception:  # noqa: BLE001 - the watch must outlive a bad moment (a file half written)
                logger.exception("watching the web workers failed; trying again")

    thread = threading.Thread(target=run, name="web-worker-watch", daemon=True)
    thread.start()
    return thread
