"""A customer read through the gateway vs straight from the customer service vs a minimal app doing the same
SELECT (bench/minimal_app.py), all real gunicorn processes; and the same gateway under granian (the gateway's
default server) beside them, on the same database.

The customer service and the gateway run as separate OS processes on free ports (two web workers each), the
customer and gateway databases on throwaway PostgreSQL databases, the broker on a throwaway RabbitMQ vhost,
the other services left unconfigured and the rate limit far above what the benchmark sends.

- latency: one client on one keep-alive connection per target, sequential GETs in interleaved blocks
  (minimal, direct, gateway, minimal, ...) so that machine noise falls on all alike; the p50 of each.
- throughput: CONCURRENCY (32) clients in threads, each on its own keep-alive connection, for a fixed time;
  minimal, direct, gateway and gateway_granian interleaved, the median of ROUNDS rounds of each.

The load generator shares the machine (two cores) with both servers, so it must be cheap: each client is a
plain socket sending one prebuilt request and reading the answer by its Content-Length. Measured here against
a trivial Flask app with eight client threads, that costs about 65 µs of client CPU per request, http.client
about 200 µs (it parses headers through the email package) and httpx about 1.2 ms, which would have taken a
good part of a core away from the servers. `client_cpu_us` in the figures is what it cost in this run. Every
answer must be a 200; anything else is counted and raises.
"""
from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from servicekit.auth import Identity, issue_token
from servicekit.processes import Processes, clean_env, free_ports, wait_until_ready
from servicekit.testing import ThrowawayDatabases, throwaway_vhost

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = "bench-first-passphrase"
WORKERS = 2
LATENCY_REQUESTS = 1000
LATENCY_BLOCK = 100
WARMUP = 200
CONCURRENCY = 32
ROUND_SECONDS = 2.0
ROUNDS = 9


class Client:
    """One keep-alive HTTP/1.1 connection sending one prebuilt GET; reads answers by Content-Length."""

    def __init__(self, port: int, path: str, token: str) -> None:
        self.port = port
        self.request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                        f"Accept: application/json\r\n\r\n").encode()
        self.sock = self._connect()
        self.buffer = b""
        self.failures = 0
        self.first_failure = ""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def get(self) -> int:
        """Send the request, read the whole answer; its status code."""
        self.sock.sendall(self.request)
        buffer = self.buffer
        if not buffer and not (buffer := self.sock.recv(65536)):
            # The server closed the connection while it sat idle (gunicorn keeps one alive 2 s): a machine busy
            # enough makes one target's block outlast that. Connect again and send once more.
            self.sock.close()
            self.sock = self._connect()
            self.sock.sendall(self.request)
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            buffer += self._recv()
        head = buffer[:end].decode("latin-1")
        status = int(head[9:12])
        lowered = head.lower()
        at = lowered.find("\r\ncontent-length:")
        if at < 0:
            raise RuntimeError(f"an answer without Content-Length: {head!r}")
        length = int(lowered[at + 17:].split("\r\n", 1)[0])
        total = end + 4 + length
        while len(buffer) < total:
            buffer += self._recv()
        if status != 200:
            self.failures += 1
            self.first_failure = self.first_failure or buffer[:total].decode(errors="replace")
        self.buffer = buffer[total:]
        if "\r\nconnection: close" in lowered:
            self.sock.close()
            self.sock, self.buffer = self._connect(), b""
        return status

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise RuntimeError(f"port {self.port} closed the connection mid-answer")
        return data

    def close(self) -> None:
        """Close the connection."""
        self.sock.close()


def check_answers(clients: list[Client], what: str) -> None:
    """Raise if any client got an answer other than 200, quoting the first one."""
    failures = sum(client.failures for client in clients)
    if failures:
        first = next(client.first_failure for client in clients if client.failures)
        raise RuntimeError(f"{failures} {what} requests were not answered 200; the first:\n{first}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux /proc; 0 elsewhere)."""
    try:
        # the children of every thread (a server may start its workers from a thread other than the main one)
        children = [child for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()]
        ticks = 0
        for each in [pid, *map(int, children)]:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    except (OSError, ValueError):
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK")


def latency(targets: dict[str, tuple[int, str]], path: str, requests: int = LATENCY_REQUESTS) -> dict[str, float]:
    """p50 in ms of `requests` sequential GETs of each target (name -> port, token), in interleaved blocks."""
    clients = {name: Client(port, path, token) for name, (port, token) in targets.items()}
    samples: dict[str, list[float]] = {name: [] for name in clients}
    block = max(1, min(LATENCY_BLOCK, requests))
    try:
        for client in clients.values():
            for _ in range(min(WARMUP, requests)):
                client.get()
        for _ in range(max(1, requests // block)):
            for name, client in clients.items():
                for _ in range(block):
                    start = time.perf_counter()
                    client.get()
                    samples[name].append(time.perf_counter() - start)
    finally:
        for client in clients.values():
            client.close()
    check_answers(list(clients.values()), "latency")
    return {name: statistics.median(each) * 1000 for name, each in samples.items()}


def throughput(port: int, path: str, token: str, seconds: float, servers: dict[str, int]) -> dict[str, float]:
    """Requests per second of CONCURRENCY clients for `seconds`, and CPU per request: the client's in µs,
    each of `servers`' (name -> gunicorn master pid, workers included) in ms."""
    clients = [Client(port, path, token) for _ in range(CONCURRENCY)]
    counts, errors = [0] * CONCURRENCY, []
    go, stop = threading.Event(), threading.Event()

    def run(i: int) -> None:
        client = clients[i]
        go.wait()
        try:
            while not stop.is_set():
                client.get()
                counts[i] += 1
        except Exception as exc:  # reported below, after every thread has ended
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    cpu, start = time.process_time(), time.perf_counter()
    server_cpu = {name: cpu_seconds(pid) for name, pid in servers.items()}
    go.set()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    server_cpu = {name: cpu_seconds(pid) - server_cpu[name] for name, pid in servers.items()}
    for client in clients:
        client.close()
    if errors:
        raise RuntimeError(f"throughput client failed: {errors[0]!r}")
    check_answers(clients, f"of {sum(counts)} throughput")
    done = sum(counts)
    return {"rps": done / elapsed, "client_cpu_us": cpu / done * 1e6,
            **{f"{name}_cpu_ms": used / done * 1e3 for name, used in server_cpu.items()}}


@dataclass
class System:
    """The running customer and gateway web processes."""

    customer_port: int
    gateway_port: int
    gateway_granian_port: int
    minimal_port: int
    pids: dict[str, int]
    processes: Processes
    #: The signing secret the gateway and the service share.
    secret: str


def start_system(stack: ExitStack) -> System:
    """Start customer and gateway web processes on throwaway databases and vhost; all undone by `stack`."""
    databases = ThrowawayDatabases()
    stack.callback(databases.drop_all)
    amqp_url = stack.enter_context(throwaway_vhost("bench"))
    var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="guanxi-bench-")))
    customer_port, gateway_port, minimal_port, granian_port = free_ports(4)
    env = clean_env(var_dir)
    env.update({
        "CRM_LOG_LEVEL": "WARNING", "CRM_BROKER_URL": amqp_url, "CRM_AUTH_SECRET": uuid.uuid4().hex * 2,
        "CRM_CUSTOMER_DATABASE_URL": databases.create("bench_customer"),
        "CRM_GATEWAY_DATABASE_URL": databases.create("bench_gateway"),
        "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD, "CRM_RATE_LIMIT": "1000000/minute",
        "CRM_CUSTOMER_PORT": str(customer_port), "CRM_GATEWAY_PORT": str(gateway_port),
        "CRM_CUSTOMER_URL": f"http://127.0.0.1:{customer_port}",
        "CRM_COMPLAINT_URL": "", "CRM_REMINDER_URL": "", "CRM_REPORTING_URL": "",
        "CRM_WEB_WORKERS": str(WORKERS),
    })
    processes = Processes(env, var_dir)
    stack.callback(processes.stop)
    processes.run("customer", "migrate")
    processes.run("gateway", "migrate")
    customer = processes.start("customer-web", "customer", "web")
    gateway = processes.start("gateway-web", "gateway", "web", env={"CRM_WEB_SERVER": "gunicorn"})
    minimal = processes.start("minimal-web", "bench.minimal_app", env["CRM_CUSTOMER_DATABASE_URL"],
                              f"127.0.0.1:{minimal_port}", str(WORKERS))
    try:
        wait_until_ready(f"http://127.0.0.1:{customer_port}/readyz", customer)
        wait_until_ready(f"http://127.0.0.1:{gateway_port}/readyz", gateway)
        wait_until_ready(f"http://127.0.0.1:{minimal_port}/readyz", minimal)
        # started once the first has made the first admin, so that the two do not race to make it
        granian = processes.start("gateway-granian-web", "gateway", "web", "--bind", f"127.0.0.1:{granian_port}",
                                  env={"CRM_WEB_SERVER": "granian"})
        wait_until_ready(f"http://127.0.0.1:{granian_port}/readyz", granian)
    except BaseException:
        print(processes.logs(), file=sys.stderr)
        raise
    return System(customer_port, gateway_port, granian_port, minimal_port,
                  {"customer": customer.pid, "gateway": gateway.pid, "gateway_granian": granian.pid,
                   "minimal": minimal.pid}, processes,
                  env["CRM_AUTH_SECRET"])


def measure(system: System, rounds: int = ROUNDS, seconds: float = ROUND_SECONDS,
            requests: int = LATENCY_REQUESTS) -> tuple[dict[str, float], dict[str, list[dict[str, float]]]]:
    """Log in, create a customer, then the latency p50s and the interleaved throughput rounds."""
    gateway_url = f"http://127.0.0.1:{system.gateway_port}"
    answer = httpx.post(f"{gateway_url}/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
    answer.raise_for_status()
    token = answer.json()["access_token"]
    created = httpx.post(f"{gateway_url}/api/v1/customers", headers={"Authorization": f"Bearer {token}"},
                         json={"name": "王小明", "phone": "138 0013 8000", "kind": "prospect"})
    created.raise_for_status()
    path = f"/api/v1/customers/{created.json()['id']}"
    # A service takes only service tokens, which the gateway mints per request; the direct clients get one that
    # lasts the whole run, signed here with the shared secret.
    service_token = issue_token(system.secret, Identity("admin", "admin"), 3600)
    targets = {"minimal": (system.minimal_port, service_token), "direct": (system.customer_port, service_token),
               "gateway": (system.gateway_port, token), "gateway_granian": (system.gateway_granian_port, token)}
    p50s = latency(targets, path, requests)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (port, target_token) in targets.items():
            runs[name].append(throughput(port, path, target_token, seconds, system.pids))
    return p50s, runs


def figures(rounds: int = ROUNDS, seconds: float = ROUND_SECONDS, requests: int = LATENCY_REQUESTS) -> dict:
    """Throughput (req/s, median of `rounds` interleaved rounds of `seconds` each) and p50 latency (ms, of
    `requests` sequential reads) of the minimal app, the customer service direct and through the gateway; also the
    CPU each process spent per request during the throughput rounds (medians), and how the gateway compares."""
    with ExitStack() as stack:
        system = start_system(stack)
        try:
            p50s, runs = measure(system, rounds, seconds, requests)
        except BaseException:
            print(system.processes.logs(), file=sys.stderr)
            raise
    result: dict = {"gateway_runs": {name: [round(run["rps"], 1) for run in each] for name, each in runs.items()}}
    for name, each in runs.items():
        result[f"{name}_rps"] = statistics.median(run["rps"] for run in each)
        # A round's figure is bimodal when gunicorn's two workers split the connections very unevenly (one worker
        # serving them all runs at about half): the best round is each server with both workers busy.
        result[f"{name}_best_rps"] = max(run["rps"] for run in each)
        result[f"{name}_p50_ms"] = p50s[name]
    for name, each in runs.items():
        for key in each[0]:
            if key != "rps":
                result[f"{name}_{key}"] = statistics.median(run[key] for run in each)
    result["gateway_to_direct_best"] = result["gateway_best_rps"] / result["direct_best_rps"]
    result["gateway_to_direct"] = result["gateway_rps"] / result["direct_rps"]
    result["gateway_added_p50_ms"] = result["gateway_p50_ms"] - result["direct_p50_ms"]
    result["gateway_granian_to_direct_best"] = result["gateway_granian_best_rps"] / result["direct_best_rps"]
    result["gateway_granian_to_direct"] = result["gateway_granian_rps"] / result["direct_rps"]
    result["gateway_granian_added_p50_ms"] = result["gateway_granian_p50_ms"] - result["direct_p50_ms"]
    return result


def main() -> None:
    """Print the figures as JSON."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m bench.gateway")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved throughput rounds of each target")
    parser.add_argument("--seconds", type=float, default=ROUND_SECONDS, help="length of one throughput round")
    parser.add_argument("--requests", type=int, default=LATENCY_REQUESTS,
                        help="sequential reads of each target for the p50")
    args = parser.parse_args()
    print(json.dumps(figures(args.rounds, args.seconds, args.requests), indent=2))


if __name__ == "__main__":
    main()
