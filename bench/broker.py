"""Raw broker baselines with plain pika: what RabbitMQ itself does for persistent, confirmed messages."""
from __future__ import annotations

import time

import pika
from servicekit.events import CONTENT_TYPE, EXCHANGE

PROPERTIES = pika.BasicProperties(delivery_mode=2, content_type=CONTENT_TYPE)


def publish_blocking(url: str, routing_key: str, body: bytes, count: int) -> float:
    """Messages per second, waiting for each confirm before the next publish."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    start = time.perf_counter()
    for _ in range(count):
        channel.basic_publish(EXCHANGE, routing_key, body, PROPERTIES)
    elapsed = time.perf_counter() - start
    connection.close()
    return count / elapsed


def publish_pipelined(url: str, routing_key: str, body: bytes, count: int, window: int = 200) -> float:
    """Messages per second with up to `window` confirms in flight (pika's asynchronous connection)."""
    state = {"sent": 0, "pending": set(), "start": 0.0, "end": 0.0}

    def on_open(connection):
        connection.channel(on_open_callback=on_channel)

    def on_channel(channel):
        state["channel"] = channel
        channel.confirm_delivery(ack_nack_callback=on_confirm, callback=lambda _frame: fill(channel))
        state["start"] = time.perf_counter()

    def fill(channel):
        while state["sent"] < count and len(state["pending"]) < window:
            channel.basic_publish(EXCHANGE, routing_key, body, PROPERTIES)
            state["sent"] += 1
            state["pending"].add(state["sent"])

    def on_confirm(frame):
        method = frame.method
        if isinstance(method, pika.spec.Basic.Nack):
            raise RuntimeError("broker nacked a message")
        if method.multiple:
            state["pending"] = {tag for tag in state["pending"] if tag > method.delivery_tag}
        else:
            state["pending"].discard(method.delivery_tag)
        if state["sent"] == count and not state["pending"]:
            state["end"] = time.perf_counter()
            connection.close()
        else:
            fill(state["channel"])

    connection = pika.SelectConnection(pika.URLParameters(url), on_open_callback=on_open,
                                       on_close_callback=lambda *_: connection.ioloop.stop())
    connection.ioloop.start()
    return count / (state["end"] - state["start"])


def consume(url: str, queue: str, count: int, prefetch: int) -> float:
    """Messages per second for a consumer that acks each message and does nothing else."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    received = 0
    start = time.perf_counter()
    for method, _properties, _body in channel.consume(queue, inactivity_timeout=10):
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)
        received += 1
        if received == count:
            break
    elapsed = time.perf_counter() - start
    channel.cancel()
    connection.close()
    if received != count:
        raise RuntimeError(f"consumed {received} of {count}")
    return count / elapsed
