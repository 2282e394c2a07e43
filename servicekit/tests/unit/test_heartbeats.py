"""Web workers that stop checking in are killed (the check granian lacks): real child processes, files aged by hand."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from servicekit import heartbeats


def _child() -> subprocess.Popen:
    return subprocess.Popen(["sleep", "60"])


def _beat(folder, pid: int, age: float) -> None:
    beat = folder / str(pid)
    beat.touch()
    then = time.time() - age
    os.utime(beat, (then, then))


def test_a_worker_silent_for_longer_than_the_timeout_is_killed_and_the_others_are_left(tmp_path):
    silent, beating = _child(), _child()
    try:
        _beat(tmp_path, silent.pid, age=5)
        _beat(tmp_path, beating.pid, age=1)
        assert heartbeats.kill_silent_workers(tmp_path, timeout=3) == [silent.pid]
        assert silent.wait(timeout=5) == -9
        assert beating.poll() is None
        assert sorted(path.name for path in tmp_path.iterdir()) == [str(beating.pid)]
    finally:
        for child in (silent, beating):
            child.kill()
            child.wait()


def test_the_file_of_a_worker_that_is_gone_is_forgotten(tmp_path):
    gone = _child()
    gone.kill()
    gone.wait()
    _beat(tmp_path, gone.pid, age=100)
    assert heartbeats.kill_silent_workers(tmp_path, timeout=3) == []
    assert list(tmp_path.iterdir()) == []


def test_a_worker_checking_in_from_its_thread_is_never_found_silent(tmp_path):
    checking_in = ("import pathlib, sys, time; from servicekit import heartbeats; "
                   "heartbeats.check_in_every(pathlib.Path(sys.argv[1]), 1); time.sleep(60)")
    worker = subprocess.Popen([sys.executable, "-c", checking_in, str(tmp_path)])
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / str(worker.pid)).exists():
            assert time.monotonic() < deadline and worker.poll() is None, "the worker never checked in"
            time.sleep(0.05)
        time.sleep(1.5)  # longer than the timeout: only its checking in every 0.25 s keeps it
        assert heartbeats.kill_silent_workers(tmp_path, timeout=1) == []
        assert worker.poll() is None
    finally:
        worker.kill()
        worker.wait()


def test_the_watch_kills_a_silent_worker_until_it_is_stopped(tmp_path):
    silent = _child()
    killed: list[int] = []
    stop = threading.Event()
    try:
        _beat(tmp_path, silent.pid, age=0)
        thread = heartbeats.watch(tmp_path, 0.5, stop, on_kill=killed.append)
        assert silent.wait(timeout=5) == -9
        assert killed == [silent.pid]
        stop.set()
        thread.join(timeout=5)
        assert not thread.is_alive()
    finally:
        silent.kill()
        silent.wait()


def test_a_process_that_is_not_a_worker_of_this_server_is_never_killed(tmp_path):
    """A worker's number may be taken by another process once it is gone: only children are watched."""
    _beat(tmp_path, 1, age=100)  # init: running, but nobody's worker
    assert heartbeats.kill_silent_workers(tmp_path, timeout=3) == []
    assert list(tmp_path.iterdir()) == []
