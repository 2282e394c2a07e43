"""The bus topology built from what each service declares of its own queues."""
from __future__ import annotations

import pytest
from kithelpers import read_queue
from kombu import Connection
from servicekit.bus import Outgoing, Publisher

from servicekit import topology


def test_the_queues_of_several_services_make_one_bus():
    merged = topology.every_queue({"one": {"one.things": ("thing.#",)}, "two": {"two.things": ["thing.made.v1"]}})
    assert merged == {"one.things": ("thing.#",), "two.things": ("thing.made.v1",)}


def test_a_queue_two_services_declare_is_refused_naming_both():
    with pytest.raises(ValueError, match="'shared.things' is declared by both one and two"):
        topology.every_queue({"one": {"shared.things": ("thing.#",)}, "two": {"shared.things": ("thing.#",)}})


def test_what_a_publisher_sends_at_its_start_waits_in_the_queues_it_declares_first():
    with Connection("memory://") as connection:
        topology.declare_for_publisher(connection.default_channel, {"early.things": ("thing.#",)}, amqp=False)
        Publisher(connection).publish([Outgoing(topology.EVENTS.name, "thing.made.v1", "{}", "m-1")])
        assert len(read_queue(connection, "early.things", 0)) == 1
