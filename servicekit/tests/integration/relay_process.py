"""A relay process, for a test that kills it mid-way."""
import sys
import threading

from kombu import Connection
from servicekit.db import make_engine, make_session_factory
from servicekit.relay import Relay

if __name__ == "__main__":
    database_url, amqp_url = sys.argv[1:3]
    sessions = make_session_factory(make_engine(database_url))
    Relay("test", sessions, lambda: Connection(amqp_url), batch_size=100, poll_interval=0.05).run(threading.Event())
