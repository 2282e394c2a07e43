"""Re-publishing a service's stored events to one named queue, for a consumer that rebuilds its read model.

Every producer keeps each event it emitted in its outbox (rows are never deleted), so the outbox is the
service's event history. `python -m <service> replay --queue <queue>` sends that history, oldest first
(so each aggregate's order holds), to `<queue>` alone, through the default exchange: live subscribers
on `crm.events` see nothing of it. The last message is a marker, `<service>.replay_completed.v1`, whose
data says how many events came before it; a consumer that has applied the marker has applied them all.

Rows not yet published by the relay are sent too: they reach live subscribers later as well, and
consumers apply each event id once.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from kombu import Connection, Queue
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from servicekit import topology
from servicekit.db import outbox
from servicekit.events import new_event
from servicekit.publisher import Outgoing, Publisher
from servicekit.wire import read_in_chunks

log = logging.getLogger(__name__)
REPLAY_HEADER = "x-guanxi-replay"


def completed_type(service: str) -> str:
    """The type of the marker that ends `service`'s replay."""
    return f"{service}.replay_completed.v1"


def replay(sessions: sessionmaker[Session], connect: Callable[[], Connection], service: str, queue: str,
           batch_size: int = 1000) -> int:
    """Publish every event in `service`'s outbox, oldest first, then the marker, to `queue`; return the count."""
    with connect() as connection:
        connection.ensure_connection(max_retries=3, timeout=5)
        amqp = connection.transport.driver_type == "amqp"
        if amqp:
            read_in_chunks(connection)
        Queue(queue, durable=True, queue_arguments=topology.queue_arguments(queue, amqp)).bind(
            connection.default_channel).declare()
        publisher = Publisher(connection)
        last_id, count = 0, 0
        while True:
            with sessions() as session:
                rows = session.execute(select(outbox.c.id, outbox.c.event_id, outbox.c.body)
                                       .where(outbox.c.id > last_id).order_by(outbox.c.id).limit(batch_size)).all()
            if not rows:
                break
            publisher.publish([Outgoing("", queue, row.body, row.event_id, {REPLAY_HEADER: service}) for row in rows])
            last_id, count = rows[-1].id, count + len(rows)
            log.info("replayed %d events of %s to %s", count, service, queue)
        marker = new_event(service, completed_type(service), service,
                           {"service": service, "events": count, "last_outbox_id": last_id})
        publisher.publish([Outgoing("", queue, marker.to_json(), marker.id, {REPLAY_HEADER: service})])
    return count
