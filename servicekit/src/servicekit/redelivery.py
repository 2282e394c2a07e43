"""Where a delivery that failed goes: to `<queue>.retry`, from which it comes back after a delay (its tries
counted in a header), or to `<queue>.dlq` for good. The original is acked only after that publish is confirmed,
so nothing is dropped and nothing blocks the queue.
"""
from __future__ import annotations

import time

from servicekit import metrics, topology
from servicekit.publisher import Outgoing, Publisher
from servicekit.reader_process import Received

RETRIES_HEADER = "x-guanxi-retries"
ERROR_HEADER = "x-guanxi-error"
#: The queue a dead letter failed on.
QUEUE_HEADER = "x-guanxi-queue"


def tries(message: Received) -> int:
    """How many times the message was sent back to be tried again."""
    return int((message.headers or {}).get(RETRIES_HEADER, 0))


def retry(publisher: Publisher, queue: str, message: Received, event_id: str, reason: str, delay: float,
          amqp: bool) -> None:
    """Send the message to be tried again in `delay` seconds (through `<queue>.retry` on RabbitMQ; on the
    embedded bus, which has no per-message TTL, after waiting here, straight back to `queue`), then ack it."""
    headers = {**(message.headers or {}), RETRIES_HEADER: tries(message) + 1, ERROR_HEADER: reason[:500]}
    if amqp:
        target, expiration = topology.retry_queue_name(queue), int(delay * 1000)
    else:  # no per-message TTL on the embedded bus: wait here, then put it back on the queue
        time.sleep(delay)
        target, expiration = queue, None
    publisher.publish([Outgoing("", target, _text(message.body), event_id, headers, expiration)])
    metrics.EVENTS_CONSUMED.labels(queue, "retried").inc()
    message.ack()


def dead_letter(publisher: Publisher, queue: str, message: Received, reason: str) -> None:
    """Send the message to `<queue>.dlq`, saying why, then ack it."""
    headers = {**(message.headers or {}), ERROR_HEADER: reason[:500], QUEUE_HEADER: queue}
    message_id = message.properties.get("message_id") or ""
    publisher.publish([Outgoing("", topology.dead_letter_queue_name(queue), _text(message.body),
                                message_id, headers)])
    metrics.EVENTS_DEAD_LETTERED.labels(queue).inc()
    metrics.EVENTS_CONSUMED.labels(queue, "dead_lettered").inc()
    message.ack()


def _text(body: bytes | str) -> str:
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
