"""A consumer process whose handler announces it started, then hangs: a test kills it mid-message."""
import sys
import threading
import time
from pathlib import Path

from kithelpers import record_applied
from kombu import Connection
from servicekit.consumer import Consumer, Subscription
from servicekit.db import make_engine, make_session_factory


def main(database_url: str, amqp_url: str, queue: str, started: str, reader_process: str) -> None:
    def hang(session, event):
        record_applied(session, event)
        Path(started).touch()
        time.sleep(600)

    sessions = make_session_factory(make_engine(database_url))
    Consumer(sessions, [Subscription(queue, ("thing.#",), hang)], lambda: Connection(amqp_url),
             reader_process=reader_process == "True").run(threading.Event())


if __name__ == "__main__":
    main(*sys.argv[1:])
