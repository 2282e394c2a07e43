"""A private 3-node RabbitMQ cluster for the tests that take nodes down (never the machine's broker)."""
from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

CLUSTER_SCRIPT = Path(__file__).resolve().parents[4] / "deploy" / "local" / "rabbitmq-cluster.sh"


def _ports_free(ports: list[int]) -> bool:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return False
    return True


class PrivateCluster:
    """A 3-node RabbitMQ cluster of this test run's own, in `folder` (deploy/local/rabbitmq-cluster.sh):
    tests may kill and stop its nodes, which they must never do to the machine's broker."""

    NODES = (1, 2, 3)

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port

    def _script(self, *args: str, timeout: float = 240) -> str:
        # run in the cluster's folder: a node killed mid-write leaves its Mnesia core dump in the working directory
        self.folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["bash", str(CLUSTER_SCRIPT), *args], capture_output=True, text=True, cwd=self.folder,
                              timeout=timeout, env={**os.environ, "GUANXI_CLUSTER_PORT": str(self.port)})
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmq-cluster.sh {' '.join(args)} failed: {done.stderr.strip() or done.stdout}")
        return done.stdout

    def start(self) -> None:
        """Start the three nodes and join them (or start them again, their data kept)."""
        self._script("start", str(self.folder))

    def stop(self) -> None:
        """Stop every node."""
        self._script("stop", str(self.folder))

    def node_url(self, node: int) -> str:
        """The AMQP URL of one node (default vhost)."""
        return f"amqp://guest:guest@127.0.0.1:{self.port + node - 1}//"

    def url(self, *order: int) -> str:
        """A CRM_BROKER_URL naming every node, those in `order` first."""
        nodes = [*order, *(node for node in self.NODES if node not in order)]
        return ";".join(self.node_url(node) for node in nodes)

    def ctl(self, node: int, *args: str) -> str:
        """rabbitmqctl against one node; its output."""
        return self._script("ctl", str(node), str(self.folder), "--", *args)

    def kill(self, node: int) -> None:
        """Kill a node's Erlang VM (SIGKILL): a crash."""
        self._script("kill-node", str(node), str(self.folder))

    def start_node(self, node: int) -> None:
        """Bring a killed node back into the cluster."""
        self._script("start-node", str(node), str(self.folder))


def free_cluster_port() -> int:
    """A base port for a private cluster whose AMQP and distribution ports are all free."""
    for _ in range(20):
        port = random.randrange(10000, 12000)
        if _ports_free([port + offset for offset in (0, 1, 2, 20000, 20001, 20002)]):
            return port
    raise RuntimeError("no free ports for a private RabbitMQ cluster")


@pytest.fixture(scope="session")
def rabbitmq_cluster(tmp_path_factory) -> Iterator[PrivateCluster]:
    """A private 3-node RabbitMQ cluster for this test run, on free ports; stopped and deleted at the end."""
    try:
        port = free_cluster_port()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    folder = tmp_path_factory.mktemp("rabbitmq-cluster")
    cluster = PrivateCluster(folder, port)
    try:
        cluster.start()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            cluster.stop()
        pytest.fail(f"the private RabbitMQ cluster did not start: {exc}", pytrace=False)
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)
