"""A publisher with publisher confirms.

On AMQP the publisher keeps many confirms in flight (pipelined) and waits for all of them, instead of
one round trip per message. https://www.rabbitmq.com/docs/confirms#publisher-confirms
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import amqp
from kombu import Connection, Producer

from servicekit.events import CONTENT_TYPE
from servicekit.wire import coalesced_writes


class PublishFailed(RuntimeError):
    """The broker did not confirm every message of a batch."""


@dataclass(frozen=True)
class Outgoing:
    """One message to publish."""

    exchange: str
    routing_key: str
    body: str
    message_id: str
    headers: dict = field(default_factory=dict)
    expiration_ms: int | None = None


class Publisher:
    """Publishes batches persistent and confirmed; raises PublishFailed unless every message is confirmed."""

    def __init__(self, connection: Connection, confirm_timeout: float = 30.0) -> None:
        self.connection = connection
        self.confirm_timeout = confirm_timeout
        self._channel = None
        self._sequence = 0
        self._pending: set[int] = set()
        self._in_order: deque[int] = deque()  # the tags sent, oldest first (some already settled)
        self._nacked = False

    def _amqp_channel(self):
        if self._channel is None:
            channel = self.connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            self._channel, self._sequence, self._pending, self._in_order = channel, 0, set(), deque()
            self._nacked = False
        return self._channel

    def _settle(self, tag: int, multiple: bool) -> None:
        if multiple:
            self._pending = {pending for pending in self._pending if pending > tag}
        else:
            self._pending.discard(tag)

    def _oldest_pending(self) -> int | None:
        while self._in_order and self._in_order[0] not in self._pending:
            self._in_order.popleft()
        return self._in_order[0] if self._in_order else None

    def _on_ack(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple)

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._nacked = True
        self._settle(tag, multiple)

    def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish all `messages` and return once the broker has confirmed every one."""
        self.send(messages)
        self.wait_for_confirms()

    def send(self, messages: Sequence[Outgoing]) -> int:
        """Put `messages` on the wire without waiting; `wait_for_confirms` then waits for the broker.

        Other work (the relay marks the rows published in its open transaction) can happen in between,
        while the broker writes the messages to disk. Returns the sequence number of the last message,
        for `wait_for_confirms(up_to=…)`.
        """
        if self.connection.transport.driver_type != "amqp":
            self._publish_kombu(messages)
            return self._sequence
        channel = self._amqp_channel()
        try:
            with coalesced_writes(self.connection):
                for message in messages:
                    properties = {"content_type": CONTENT_TYPE, "content_encoding": "utf-8", "delivery_mode": 2,
                                  "message_id": message.message_id}
                    if message.headers:
                        properties["application_headers"] = message.headers
                    if message.expiration_ms is not None:
                        properties["expiration"] = str(message.expiration_ms)
                    channel.basic_publish(amqp.Message(message.body.encode(), **properties),
                                          exchange=message.exchange, routing_key=message.routing_key)
                    self._sequence += 1
                    self._pending.add(self._sequence)
                    self._in_order.append(self._sequence)
        except BaseException:
            self.reset()
            raise
        return self._sequence

    def wait_for_confirms(self, up_to: int | None = None) -> None:
        """Return once every message sent (up to sequence number `up_to`) is confirmed.

        Raises PublishFailed if the broker refused one or did not answer within the confirm timeout.
        """
        try:
            deadline = time.monotonic() + self.confirm_timeout
            while (oldest := self._oldest_pending()) is not None and (up_to is None or oldest <= up_to):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishFailed(f"{len(self._pending)} messages not confirmed in time")
                try:
                    self.connection.drain_events(timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue
        except BaseException:
            self.reset()
            raise
        if self._nacked:
            self.reset()
            raise PublishFailed("the broker refused (nacked) a message")

    def _publish_kombu(self, messages: Sequence[Outgoing]) -> None:
        producer = Producer(self.connection.default_channel)
        for message in messages:
            producer.publish(message.body, exchange=message.exchange, routing_key=message.routing_key,
                             content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                             message_id=message.message_id, headers=message.headers, retry=False)

    def reset(self) -> None:
        """Forget the channel (after an error); the next publish opens a new one."""
        channel, self._channel = self._channel, None
        self._pending, self._in_order = set(), deque()
        if channel is not None:
            try:
                channel.close()
            except Exception:  # the channel may already be gone with the connection
                pass
