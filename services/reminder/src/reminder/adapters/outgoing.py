"""What a channel is handed to send, and how it says it could not: shared by the channels and the local outbox."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class SendFailed(Exception):
    """The channel did not take the message; it will be tried again."""


@dataclass(frozen=True)
class Outgoing:
    """One notification to send."""

    id: str
    channel: str
    target: str | None
    subject: str
    body: str
    payload: dict[str, Any]  # what the webhook receives besides the text


class Sender(Protocol):
    def send(self, message: Outgoing) -> None: ...


#: The key of the local outbox among the senders (notifications marked `local` go to it).
LOCAL = "local"
