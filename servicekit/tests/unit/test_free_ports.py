"""The ports a test system's processes are given: every one its own, and free to listen on."""
from __future__ import annotations

import socket

from servicekit.processes import _ports, free_ports


def test_the_ports_chosen_together_are_all_different_and_free():
    ports = free_ports(64)
    assert len(set(ports)) == 64
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[0]))  # nobody holds it once chosen


def test_each_process_of_a_system_gets_a_port_of_its_own():
    ports = _ports(["customer", "complaint", "reminder", "reporting"], [("console", "web"), ("console", "live")])
    assert set(ports) == {"customer", "complaint", "reminder", "reporting", "gateway", "console", "console_live"}
    assert len(set(ports.values())) == len(ports)
