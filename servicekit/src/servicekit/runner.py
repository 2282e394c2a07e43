"""One command line for every service: `python -m <service> migrate|web|relay|consume|replay`."""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from servicekit.bus import connect
from servicekit.config import DEFAULT_PREFETCH, Settings, keep_private, var_folder
from servicekit.consumer import Consumer, Subscription
from servicekit.db import make_engine, make_session_factory, upgrade
from servicekit.relay import Relay
from servicekit.webapp import configure_logging, service_context


@dataclass(frozen=True)
class ServiceDefinition:
    """What the kit needs to know to run a service's processes."""

    name: str
    migrations: Path
    create_app: Callable[[Settings], Flask]
    #: The web process's port when CRM_<SERVICE>_PORT is not set.
    port: int = 8000
    subscriptions: Callable[[], list[Subscription]] = field(default=lambda: [])
    publishes_events: bool = True
    #: Queues of other services (with their bindings) the relay declares before its first publish, so that what
    #: it publishes at its very start waits for consumers that have not started yet (topology.declare_for_publisher).
    declares_before_publishing: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Further long-running processes by command name (an SLA scanner, a scheduler): each is called with
    #: the settings and an event set on SIGTERM/SIGINT, and returns when it is set.
    workers: dict[str, Callable[[Settings, threading.Event], None]] = field(default_factory=dict)
    #: The HTTP server `web` runs under when CRM_WEB_SERVER is not set (one of WEB_SERVERS).
    web_server: str = "gunicorn"
    #: Deliveries the consumer (and any worker consuming) may hold unacknowledged when neither
    #: CRM_<SERVICE>_CONSUMER_PREFETCH nor CRM_CONSUMER_PREFETCH is set; it applies up to half of them in one
    #: transaction.
    consumer_prefetch: int = DEFAULT_PREFETCH
    #: The consumer reads the broker in a process of its own (servicekit.reader_process), where applying the
    #: events is heavy enough to want a core to itself.
    consumer_reader_process: bool = False


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, for loops that should finish their round and exit."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def serve_metrics(settings: Settings) -> None:
    """Expose this process's metrics on CRM_METRICS_PORT, for relay and consumer processes that have no
    web port of their own (in containers; locally they share the web process's multiprocess folder)."""
    port = settings.extra.get("CRM_METRICS_PORT")
    if not port:
        return
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(int(port), addr=os.environ.get("CRM_BIND_HOST", "127.0.0.1"), registry=registry)


def worker_sessions(settings: Settings):
    """Sessions for a worker process (relay, consumer, replay) on the service's database."""
    return make_session_factory(make_engine(settings.database_url, connect_timeout=settings.db_connect_timeout))


def run_relay(settings: Settings, declares: Mapping[str, tuple[str, ...]] | None = None) -> None:
    """Run the outbox relay of a service until signalled (`declares`: queues to declare before publishing)."""
    serve_metrics(settings)
    relay = Relay(settings.service, worker_sessions(settings), lambda: connect(settings),
                  batch_size=settings.relay_batch_size, poll_interval=settings.relay_poll_interval,
                  max_backoff=settings.relay_max_backoff, declares=declares)
    relay.run(stop_on_signals())


def run_consumer(settings: Settings, subscriptions: list[Subscription], reader_process: bool = False) -> None:
    """Run a service's event consumer until signalled."""
    if not subscriptions:
        raise SystemExit(f"{settings.service} consumes no events")
    serve_metrics(settings)
    consumer = Consumer(worker_sessions(settings), subscriptions,
                        lambda: connect(settings), max_retries=settings.consumer_max_retries,
                        retry_delay=settings.consumer_retry_delay, prefetch=settings.consumer_prefetch,
                        reader_process=reader_process)
    consumer.run(stop_on_signals())


#: The HTTP servers `web` can run an app under (CRM_WEB_SERVER, or --server).
WEB_SERVERS = ("gunicorn", "granian")
#: Threads per web worker, under either server: requests one worker runs at once.
WEB_THREADS = 4


def run_web(app: Flask, settings: Settings | None, workers: int, bind: str, timeout: int = 30,
            server: str = "gunicorn") -> None:
    """Serve `app` with `workers` processes of `WEB_THREADS` threads each (metrics shared through
    PROMETHEUS_MULTIPROC_DIR), under gunicorn (the default) or granian.

    Under gunicorn, a worker that has not checked in for `timeout` seconds (stuck: a call that never
    returns the interpreter to its main loop) is killed and replaced. A request running long in one of
    its threads does not hold the worker up that way; the statement timeout and the bounds on bodies,
    dates and pages bound those. Granian (HTTP in Rust) costs about half gunicorn's CPU per request, which
    counts where the app's own work is small (the gateway: docs/benchmarks.md); it has no such check of its
    own, so the kit's (`servicekit.heartbeats`) kills a worker silent for `timeout` and granian starts a
    fresh one. Granian passes the path on decoded only (no raw URI: a `%2F` inside a path segment arrives
    as `/`, as every service's routing sees it anyway).
    """
    engine = service_context(app).engine if "servicekit" in app.extensions else None  # the console has none

    def fresh_pool(_server=None, _worker=None) -> None:  # two arguments: gunicorn checks its hooks' arity
        # The app is built before the fork; a connection it pooled then (the gateway creates its first
        # admin at start) must not be shared by every worker. Forget it without closing the parent's.
        # https://docs.sqlalchemy.org/en/20/core/pooling.html#using-connection-pools-with-multiprocessing-or-os-fork
        if engine is not None:
            engine.dispose(close=False)

    if server == "granian":
        _run_granian(app, workers, bind, timeout, fresh_pool, settings.log_level if settings else "INFO")
        return
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", WEB_THREADS)
            self.cfg.set("timeout", timeout)
            self.cfg.set("accesslog", None)
            self.cfg.set("post_fork", fresh_pool)
            self.cfg.set("child_exit", _mark_dead)

        def load(self):
            return app

    _Gunicorn().run()


#: Names of the CGI/WSGI request variables. Granian starts every request's environ from the process's
#: environment: a variable of the environment with one of these names would pass for part of the request
#: (HTTP_PROXY for a `Proxy:` header), so they are taken out of the environment first.
_REQUEST_VARIABLES = ("HTTP_", "CONTENT_", "REMOTE_", "SERVER_", "REQUEST_", "QUERY_STRING", "PATH_INFO",
                      "SCRIPT_NAME", "wsgi.")


def _run_granian(app: Flask, workers: int, bind: str, timeout: int, fresh_pool: Callable[[], None],
                 log_level: str) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    from servicekit import heartbeats

    for name in [name for name in os.environ if name.startswith(_REQUEST_VARIABLES)]:
        del os.environ[name]
    host, port = bind.rsplit(":", 1)
    host = host.strip("[]")  # an IPv6 address in brackets ("[::]:8080")

    beats = Path(tempfile.mkdtemp(prefix="web-workers-"))

    def loaded() -> Flask:  # in each worker, after the fork
        fresh_pool()
        heartbeats.check_in_every(beats, timeout)
        return app

    server = Granian("servicekit.runner", address=host, port=int(port), interface=Interfaces.WSGI,
                     workers=workers, blocking_threads=WEB_THREADS, websockets=False,
                     log_level=LogLevels(log_level.lower()), respawn_failed_workers=True,
                     # A worker that has not stopped `timeout` seconds after being told to is killed (without
                     # it, a stop that came while a worker was being started again waited for ever).
                     workers_kill_timeout=timeout)
    stop = threading.Event()
    heartbeats.watch(beats, timeout, stop, on_kill=_forget_metrics)
    try:
        server.serve(target_loader=loaded, wrap_loader=False)
    finally:
        stop.set()
        shutil.rmtree(beats, ignore_errors=True)


def _mark_dead(_server, worker) -> None:
    """Gunicorn's `child_exit` hook."""
    _forget_metrics(worker.pid)


def _forget_metrics(pid: int) -> None:
    """Mark a web worker that is gone dead in the shared metrics (its live gauges dropped)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(pid)


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> None:
    """Parse the command line and run the chosen process of the service."""
    parser = argparse.ArgumentParser(prog=f"python -m {definition.name}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database schema up to date")
    web = commands.add_parser("web", help="serve the HTTP API")
    web.add_argument("--workers", type=int, default=int(os.environ.get("CRM_WEB_WORKERS", "2")))
    web.add_argument("--bind", default=None, help="host:port (default CRM_BIND_HOST and the service port)")
    web.add_argument("--timeout", type=int, default=int(os.environ.get("CRM_WEB_TIMEOUT") or 30),
                     help="seconds before a worker that stopped checking in is replaced")
    web.add_argument("--server", choices=WEB_SERVERS, default=os.environ.get("CRM_WEB_SERVER") or definition.web_server,
                     help=f"the HTTP server (default CRM_WEB_SERVER, else {definition.web_server})")
    commands.add_parser("relay", help="publish the outbox")
    commands.add_parser("consume", help="apply events from the bus")
    if definition.publishes_events:
        replay = commands.add_parser("replay", help="re-publish every stored event, oldest first, to one queue")
        replay.add_argument("--queue", required=True, help="the queue to fill (a read model's rebuild queue, say)")
        replay.add_argument("--batch-size", type=int, default=1000)
    for name, worker in definition.workers.items():
        commands.add_parser(name, help=(worker.__doc__ or "").strip().split("\n")[0] or None)
    args = parser.parse_args(argv)
    keep_private(var_folder(os.environ))  # before anything below writes a secret, database or message
    settings = Settings.from_env(definition.name, default_port=definition.port,
                                 default_prefetch=definition.consumer_prefetch)
    configure_logging(settings.log_level)
    if args.command == "migrate":
        upgrade(settings.database_url, definition.migrations)
    elif args.command == "web":
        if args.server not in WEB_SERVERS:  # argparse checks a choice given on the command line, not a default
            raise SystemExit(f"CRM_WEB_SERVER={args.server!r}: choose one of {', '.join(WEB_SERVERS)}")
        bind = args.bind or f"{os.environ.get('CRM_BIND_HOST', '127.0.0.1')}:{settings.port}"
        run_web(definition.create_app(settings), settings, args.workers, bind, args.timeout, args.server)
    elif args.command == "relay":
        if not definition.publishes_events:
            raise SystemExit(f"{definition.name} publishes no events: it has no relay")
        run_relay(settings, definition.declares_before_publishing)
    elif args.command == "consume":
        run_consumer(settings, definition.subscriptions(), definition.consumer_reader_process)
    elif args.command == "replay":
        from servicekit.replay import replay as replay_outbox
        count = replay_outbox(worker_sessions(settings), lambda: connect(settings),
                              definition.name, args.queue, args.batch_size)
        print(f"{definition.name}: {count} events replayed to {args.queue}", flush=True)
    else:
        serve_metrics(settings)
        definition.workers[args.command](settings, stop_on_signals())
