"""The local outbox: a file a person reads (one JSON line per message, readable text), where messages go when no
channel is configured (`make run`: `tail -f var/reminder/outbox.jsonl`); erasing a customer blanks their lines."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from reminder.adapters.outgoing import Outgoing, SendFailed


@contextlib.contextmanager
def _outbox_lock(path: Path) -> Iterator[None]:
    """Hold the local outbox for this process alone (the scheduler appends, an erasure rewrites)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with LocalOutboxSender._lock, open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def erase_from_outbox(path: Path, customer_id: str) -> int:
    """Blank what the local outbox file says to and about a customer whose personal data is erased (the
    line stays, with its id, time, channel and rule, as the anonymous figures do); returns how many lines."""
    if not path.exists():
        return 0
    erased = 0
    with _outbox_lock(path):
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = []
        for text in lines:
            try:
                line = json.loads(text)
            except ValueError:
                kept.append(text)
                continue
            if isinstance(line, dict) and line.get("customer_id") == customer_id and not line.get("erased"):
                line.update(to=None, text=None, subject=None, erased=True)
                erased += 1
            kept.append(json.dumps(line, ensure_ascii=False))
        if erased:
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
            os.replace(temporary, path)
    return erased


class LocalOutboxSender:
    """Appends each message to a file, one JSON line (readable text, not escaped) per message: where messages
    go when no channel is configured, for a person to read (`tail -f var/reminder/outbox.jsonl`)."""

    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: Outgoing) -> None:
        reminder = message.payload.get("reminder") or {}
        line = {"id": message.id, "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "channel": message.channel, "to": message.target, "subject": message.subject, "text": message.body,
                "customer_id": (message.payload.get("customer") or {}).get("id"),
                "username": message.payload.get("username"), "reminder_id": reminder.get("reminder_id"),
                "rule": reminder.get("rule")}
        try:
            with _outbox_lock(self.path), self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        except OSError as exc:
            raise SendFailed(f"local outbox {self.path}: {exc}") from None
