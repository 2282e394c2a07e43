"""Classic queues of an earlier version, on the machine's RabbitMQ (a throwaway vhost): a consumer of this
version refuses them saying what to do, and `python -m servicekit.queues migrate` makes them quorum
queues with every message kept."""
import subprocess
import sys
from urllib.parse import unquote, urlsplit

import pytest
from kithelpers import read_queue
from kombu import Connection
from servicekit.bus import Outgoing, Publisher
from servicekit.events import new_event
from servicekit.testing import throwaway_vhost

from servicekit import topology

pytestmark = pytest.mark.integration
KEYS = ("thing.#",)


@pytest.fixture
def vhost_url():
    with throwaway_vhost("migrate") as url:
        yield url


def queue_types(url: str) -> dict[str, str]:
    vhost = unquote(urlsplit(url).path.lstrip("/"))
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type"], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return dict(line.split("\t")[:2] for line in out.splitlines()[1:] if "\t" in line)


def events(count: int, start: int = 0) -> list:
    return [new_event("test", "thing.happened.v1", f"agg-{i % 3}", {"seq": i}) for i in range(start, start + count)]


def publish(connection, exchange: str, routing_key: str | None, batch: list, expiration_ms: int | None = None) -> None:
    Publisher(connection).publish([Outgoing(exchange, routing_key or e.type, e.to_json(), e.id, {}, expiration_ms)
                                   for e in batch])


def queues_command(command: str, url: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "servicekit.queues", command, "--url", url, *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_classic_queues_are_refused_with_what_to_do_then_moved_to_quorum_queues_with_every_message(vhost_url):
    queue = "old.handler"
    with Connection(vhost_url) as connection:
        channel = connection.default_channel
        topology.EVENTS.bind(channel).declare()
        # the earlier version's declarations: classic queues, the retry queue dead-lettering back
        channel.queue_declare(queue, durable=True, auto_delete=False)
        channel.queue_bind(queue, topology.EVENTS.name, routing_key=KEYS[0])
        channel.queue_declare(f"{queue}.dlq", durable=True, auto_delete=False)
        channel.queue_declare(f"{queue}.retry", durable=True, auto_delete=False,
                              arguments=topology.dead_letters_to(queue))
        waiting, retrying, dead = events(30), events(5, 100), events(3, 200)
        publish(connection, topology.EVENTS.name, None, waiting)
        publish(connection, "", f"{queue}.retry", retrying, expiration_ms=600_000)
        publish(connection, "", f"{queue}.dlq", dead)

        with pytest.raises(topology.QueueMismatch) as refused:
            topology.declare(connection.channel(), queue, KEYS)
        assert "python -m servicekit.queues migrate" in str(refused.value)
        assert "PRECONDITION_FAILED" in str(refused.value)

    assert "old.handler: other arguments (a classic queue of an earlier version): run `migrate`" in (
        queues_command("status", vhost_url, "--queue", queue))
    report = queues_command("migrate", vhost_url, "--queue", queue, "--bind", KEYS[0])
    assert "5 waiting retries sent back to old.handler" in report
    assert queue_types(vhost_url) == {queue: "quorum", f"{queue}.retry": "quorum", f"{queue}.dlq": "quorum"}

    with Connection(vhost_url) as connection:
        topology.declare(connection.channel(), queue, KEYS)  # what a consumer of this version declares
        later = events(1, 300)
        publish(connection, topology.EVENTS.name, None, later)  # the binding is there again
        received = [body["id"] for body in read_queue(connection, queue, wait=2)]
        dead_letters = [body["id"] for body in read_queue(connection, f"{queue}.dlq", wait=2)]
    assert sorted(received) == sorted(e.id for e in [*waiting, *retrying, *later])
    assert sorted(dead_letters) == sorted(e.id for e in dead)


def test_a_migration_stopped_half_way_is_finished_by_running_it_again(vhost_url):
    """The command died after deleting the old queue: its messages wait in the holding queue, and the next
    run puts them in the new queue."""
    queue = "halfway.handler"
    with Connection(vhost_url) as connection:
        channel = connection.default_channel
        topology.EVENTS.bind(channel).declare()
        channel.queue_declare(f"{queue}.migrating", durable=True, auto_delete=False,
                              arguments={**topology.QUORUM, "x-delivery-limit": topology.DEAD_LETTER_DELIVERY_LIMIT})
        channel.queue_bind(f"{queue}.migrating", topology.EVENTS.name, routing_key=KEYS[0])
        set_aside = events(20)
        publish(connection, topology.EVENTS.name, None, set_aside)

    assert "a migration stopped half-way" in queues_command("status", vhost_url, "--queue", queue)
    queues_command("migrate", vhost_url, "--queue", queue, "--bind", KEYS[0])

    assert f"{queue}.migrating" not in queue_types(vhost_url)
    with Connection(vhost_url) as connection:
        received = [body["id"] for body in read_queue(connection, queue, wait=2)]
    assert sorted(received) == sorted(e.id for e in set_aside)


def test_without_a_queue_the_command_reads_every_queue_the_installed_services_declare(vhost_url):
    declared = topology.every_queue()  # each installed service's own (entry points 'servicekit.queues')
    assert declared, "no installed service declares a queue"
    said = queues_command("status", vhost_url)
    for queue in declared:
        for name in (queue, topology.retry_queue_name(queue), topology.dead_letter_queue_name(queue)):
            assert f"{name}: missing" in said
