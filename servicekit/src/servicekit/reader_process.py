"""The broker read by a process of its own, for a consumer whose applying needs the interpreter to itself.

The interpreter runs one thread at a time, so a consumer that reads the broker in one thread and applies batches
in another shares one core between the two. With `Consumer(reader_process=True)` (RabbitMQ only), a child
process holds the consuming connection (pika): it passes the deliveries on in the order they came and
acknowledges them when the consumer says so. The consumer parses and applies them as before. Its own connection
only declares the queues and publishes what goes to `<queue>.retry` and `<queue>.dlq`. The child costs less CPU
a delivery than the kit's reading thread (no message objects, one acknowledgement a batch), and the two run on
two cores (bench.reports: the reporting read model).

Nothing about delivery changes: the consumer still acknowledges a delivery only after its transaction (or its
retry's or dead letter's publish) has committed. The child ends when its connection fails, or when the consumer
goes (the child reads end of file on its pipe, so it never outlives a consumer that was killed); the consumer
then raises ConnectionError and reconnects as after any broker failure. What was not acknowledged comes again,
and the inbox skips what was applied.
"""
from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # the reader process itself imports only pika
    from kombu import Connection
    from kombu.message import Message

#: What the child sends once it consumes every queue.
READY = "ready"
#: Deliveries the child passes on in one message at most (it passes on what has come, without waiting for more).
PASSED_AT_ONCE = 500
#: How long the child may take to connect and start consuming (seconds).
START_TIMEOUT = 30.0


class Delivery:
    """A delivery as the consumer handles it (the attributes of kombu's Message it reads); `ack` and the
    channel's `basic_ack` go to the child that received it."""

    __slots__ = ("body", "channel", "delivery_info", "delivery_tag", "headers", "properties", "queue")

    def __init__(self, reader: BrokerReader, queue: int, tag: int, redelivered: bool, body: bytes,
                 headers: dict | None, message_id: str | None) -> None:
        self.channel, self.queue, self.delivery_tag, self.body, self.headers = reader, queue, tag, body, headers
        self.delivery_info = {"redelivered": redelivered}
        self.properties = {"message_id": message_id}

    def ack(self) -> None:
        self.channel.basic_ack(self.delivery_tag)


#: A delivery as the consumer handles it: kombu's, or a reader process's.
Received: TypeAlias = "Message | Delivery"


class BrokerReader:
    """The child process consuming `queues` on the broker `connection` is connected to, with `prefetch`
    deliveries unacknowledged at most. Once `start`ed, a thread of this process hands what the child passes on
    to `deliver` as it comes (each Delivery's `queue` an index in `queues`), waiting for it without the
    interpreter's lock, so the consumer's threads never poll for it."""

    def __init__(self, connection: Connection, queues: list[str], prefetch: int) -> None:
        # A program of its own (`python -m servicekit.reader_process`), not a fork of this process (which runs
        # threads) nor multiprocessing's spawn (which imports the consumer's main module again).
        deliveries_read, deliveries_written = os.pipe()
        orders_read, orders_written = os.pipe()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "servicekit.reader_process", str(deliveries_written), str(orders_read)],
            pass_fds=(deliveries_written, orders_read), stdin=subprocess.DEVNULL)
        os.close(deliveries_written)
        os.close(orders_read)
        self._deliveries, self._orders = Pipe(deliveries_read, writable=False), Pipe(orders_written, readable=False)
        self._orders.send((_parameters(connection), queues, prefetch))
        self._arrived = threading.Event()
        self._failure: str | None = None
        self._receiving: threading.Thread | None = None

    def __enter__(self) -> BrokerReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self, deliver: Callable[[list[Delivery]], None], stop: threading.Event) -> None:
        """Once the child consumes every queue (or `stop` is set), hand what it passes on to `deliver`, from a
        thread of this process; raise ConnectionError if the child failed to start."""
        waited = 0.0
        while not stop.is_set():
            if self._deliveries.poll(0.2):
                item = self._receive()
                if item != READY:
                    raise ConnectionError(f"the broker's reader sent {item!r} before it was ready")
                self._receiving = threading.Thread(target=self._receive_all, args=(deliver,), daemon=True,
                                                   name="broker reader's deliveries")
                self._receiving.start()
                return
            waited += 0.2
            if waited > START_TIMEOUT or self._process.poll() is not None:
                raise ConnectionError("the broker's reader did not start consuming")

    def wait(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for deliveries to arrive; ConnectionError once the child has lost its
        connection (or ended)."""
        if self._arrived.wait(timeout):
            self._arrived.clear()
        if self._failure is not None:
            raise ConnectionError(f"the broker's reader lost its connection ({self._failure})")

    def _receive_all(self, deliver: Callable[[list[Delivery]], None]) -> None:
        """Hand each list the child sends to `deliver` until it sends why it failed, or ends."""
        while True:
            try:
                item = self._receive()
            except ConnectionError as exc:
                item = str(exc)
            if not isinstance(item, list):
                self._failure = str(item)
                self._arrived.set()
                return
            deliver([Delivery(self, *fields) for fields in item])
            self._arrived.set()

    def basic_ack(self, delivery_tag: int, multiple: bool = False) -> None:
        """Have the child acknowledge `delivery_tag` (and, `multiple`, every delivery before it)."""
        try:
            self._orders.send((delivery_tag, multiple))
        except OSError as exc:  # the child has ended: what it did not acknowledge comes again
            raise ConnectionError(f"the broker's reader ended ({exc})") from exc

    def close(self) -> None:
        """Tell the child to stop (it closes its connection: what it did not acknowledge goes back to the queue),
        and wait for it."""
        try:
            self._orders.send(None)
        except OSError:
            pass
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        if self._receiving is not None:
            self._receiving.join(5)  # it reads the end of the pipe now that the child has ended
        self._deliveries.close()
        self._orders.close()

    def _receive(self) -> Any:
        try:
            return self._deliveries.recv()
        except (EOFError, OSError) as exc:
            raise ConnectionError("the broker's reader ended") from exc


def _parameters(connection: Connection) -> dict[str, Any]:
    """Where `connection` is connected (the node of a cluster it took), for the child's own connection. (TLS:
    the default context, the system's certificate authorities; options given to kombu as a dict are not
    passed on.)"""
    return {"host": connection.hostname, "port": connection.port or 5672, "virtual_host": connection.virtual_host,
            "user": connection.userid, "password": connection.password, "heartbeat": int(connection.heartbeat or 0),
            "ssl": bool(connection.ssl)}


def _read(deliveries: Pipe, orders: Pipe) -> None:
    """The child: told where and what by the first order, consume the queues, send what comes on `deliveries`
    (a list of each delivery's fields as read, in their order), acknowledge as `orders` says (None: stop); on a
    failure, send what it was and end."""
    import pika

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the consumer stops it (Ctrl-C reaches the whole group)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        parameters, queues, prefetch = orders.recv()
    except (EOFError, OSError):
        return
    ssl_options = None
    if parameters["ssl"]:
        import ssl

        ssl_options = pika.SSLOptions(ssl.create_default_context(), parameters["host"])
    try:
        connection = pika.BlockingConnection(pika.ConnectionParameters(
            host=parameters["host"], port=parameters["port"], virtual_host=parameters["virtual_host"],
            credentials=pika.PlainCredentials(parameters["user"], parameters["password"]),
            heartbeat=parameters["heartbeat"], ssl_options=ssl_options, connection_attempts=1, socket_timeout=5))
        channel = connection.channel()
        channel.basic_qos(prefetch_count=prefetch)
        received: list[tuple] = []
        for index, queue in enumerate(queues):
            def on_message(_channel: Any, method: Any, properties: Any, body: bytes, index: int = index) -> None:
                received.append((index, method.delivery_tag, method.redelivered, body, properties.headers,
                                 properties.message_id))

            channel.basic_consume(queue, on_message)
        stopping = threading.Event()
        threading.Thread(target=_take_orders, args=(orders, connection, channel, stopping), daemon=True).start()
        deliveries.send(READY)
        while not stopping.is_set():
            connection.process_data_events(time_limit=1)  # returns early once something came (or an order)
            while received and len(received) < PASSED_AT_ONCE:  # what else has come: fewer, larger sends
                before = len(received)
                connection.process_data_events(time_limit=0)
                if len(received) == before:
                    break
            if received:
                deliveries.send(received)
                received = []
        connection.close()
    except Exception as exc:  # the connection failed: the consumer reconnects, starting another reader
        try:
            deliveries.send(f"{type(exc).__name__}: {exc}")
        except OSError:
            pass


def _take_orders(orders: Any, connection: Any, channel: Any, stopping: threading.Event) -> None:
    """The child's second thread: hand each acknowledgement to the connection's thread (pika's thread-safe
    callback wakes it), and stop when told or when the consumer has gone (end of file)."""
    while True:
        try:
            order = orders.recv()
        except (EOFError, OSError):
            order = None
        try:
            if order is None:
                connection.add_callback_threadsafe(stopping.set)
                return
            connection.add_callback_threadsafe(functools.partial(channel.basic_ack, *order))
        except Exception:  # the connection is closed already: the reader is ending
            stopping.set()
            return


if __name__ == "__main__":
    _read(Pipe(int(sys.argv[1]), readable=False), Pipe(int(sys.argv[2]), writable=False))
