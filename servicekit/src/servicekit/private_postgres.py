"""A PostgreSQL server of a test's own, to restart or kill: never the machine's (127.0.0.1:5432), which every other
test and process shares.

`initdb` into a fresh folder, trust authentication on 127.0.0.1 only, a free port, the socket in the same folder.
PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (the folder is given to it).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from servicekit.processes import free_port


def _bin_dir() -> Path:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/<version>/bin (newest)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent  # a link on PATH (Debian keeps the others beside the real one)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not versions:
        raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    return Path(versions[-1]).parent


class PrivatePostgres:
    """One private server: `start()`, `restart()`, `stop()`, `remove()`; `standby()` makes a streaming standby of
    it (a server of its own, another port), which `promote()` turns into a primary."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder or tempfile.mkdtemp(prefix="guanxi-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.bin = _bin_dir()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)

    def start(self) -> PrivatePostgres:
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return self

    def standby(self) -> PrivatePostgres:
        """A streaming standby of this (running) server, copied with pg_basebackup, not yet started. To make
        commits wait for it (synchronous replication, so that a fail-over loses no acknowledged commit), set
        `synchronous_standby_names` on this server once it runs."""
        standby = PrivatePostgres()
        standby._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-D",
                     str(standby.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        return standby

    def promote(self) -> None:
        """Make this standby the primary (as a fail-over does), once it accepts writes."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "promote")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (fast: every session is cut, as in a planned restart), wait, start it again."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        time.sleep(down_for)
        self.start()

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        """Stop it and delete its folder."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
