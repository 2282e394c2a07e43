"""`make run` stopped with Ctrl-C at a terminal ends quietly with status 0: the launcher takes the terminal's
Ctrl-C for itself, stops what it started and ends with 0, so `make` has no "Error 130" to report nor a SIGINT
to die of. And the first install says what it is doing."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

#: The launcher's own code (deploy/local/run.py) around a manager running one process instead of the system.
LAUNCHER = f"""
import sys, time
sys.path.insert(0, {str(ROOT / "deploy" / "local")!r})
import run
from honcho.manager import Manager

def main():
    manager = Manager()
    manager.add_process("sleeper", {sys.executable!r} + " -c 'import time; time.sleep(60)'")
    manager.loop()
    return run.exit_status(manager)

run.main = main
print("ready", flush=True)
sys.exit(run.launch())
"""


def at_a_terminal(command: list[str], cwd: Path, keys: bytes, after: bytes, timeout: float = 60) -> tuple[int, str]:
    """Run `command` on a new terminal, type `keys` once `after` was printed; (exit status, what was printed)."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a session of its own with the terminal as its controlling terminal, like a shell's job
        os.chdir(cwd)
        os.execvp(command[0], command)
    output, typed, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([terminal], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(terminal, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            if not typed and after in output:
                time.sleep(1)  # the sleeper is started
                os.write(terminal, keys)
                typed = True
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(terminal)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_ctrl_c_in_make_run_stops_everything_and_ends_with_0(tmp_path):
    (tmp_path / "launcher.py").write_text(LAUNCHER)
    (tmp_path / "Makefile").write_text(f"run:\n\t{sys.executable} launcher.py\n")
    status, printed = at_a_terminal(["make", "run"], tmp_path, b"\x03", after=b"sleeper started")
    assert "sleeper stopped" in printed, printed
    assert "Error" not in printed and "Interrupt" not in printed, printed
    assert status == 0, printed


def test_the_first_install_says_what_it_does():
    """Each install step prints a line first, and pip shows its progress rather than a minute of silence."""
    plan = subprocess.run(["make", "-n", "-B", "test", "VENV=/nonexistent/venv"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.splitlines()
    installs = [index for index, line in enumerate(plan) if " install " in line]
    assert len(installs) >= 3
    for index in installs:
        assert plan[index - 1].startswith("echo "), plan[index - 1]
        if "-r requirements" in plan[index]:
            assert "--quiet" not in plan[index] and " -q " not in plan[index], plan[index]
