"""The ports a test system's processes are given: every one its own, free to listen on, and never handed out by
another process of the test run."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

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


def test_a_port_one_process_was_given_is_never_given_to_another_while_it_runs():
    # two test workers each start a system: the other worker's services must not be given these ports
    mine = set(free_ports(100))
    asked = "import json; from servicekit.processes import free_ports; print(json.dumps(free_ports(3000)))"
    theirs = json.loads(subprocess.run([sys.executable, "-c", asked], capture_output=True, text=True, check=True,
                                       timeout=60).stdout)
    assert len(set(theirs)) == 3000
    assert not mine & set(theirs)


def test_ports_lie_below_the_range_outgoing_connections_take_theirs_from():
    # a client's connection (to PostgreSQL, say) takes a port from this range and could hold one a service
    # of a test system was about to listen on
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    assert max(free_ports(50)) < low
