"""`python -m reporting rebuild`: the worker that rebuilds the read model from the producers' replays."""
from __future__ import annotations

import threading

from servicekit.bus import connect
from servicekit.config import Settings

from reporting.entrypoints.consumer import CONSUMER_READER_PROCESS
from reporting.service_layer.rebuild import DEFAULT_SOURCES, REBUILD_QUEUE, rebuild


def run_rebuild(settings: Settings, stop: threading.Event) -> None:
    """rebuild the read model from every producer's replayed events, then swap it in"""
    raw = settings.extra.get("CRM_REPORTING_REBUILD_SOURCES") or ",".join(DEFAULT_SOURCES)
    sources = tuple(source.strip() for source in raw.split(",") if source.strip())

    def ready() -> None:
        commands = "\n".join(f"  python -m {source} replay --queue {REBUILD_QUEUE}" for source in sources)
        print(f"Ready: a fresh read model is waiting for the replays. Run now:\n{commands}", flush=True)

    done = rebuild(settings.database_url, lambda: connect(settings), stop, sources,
                   prefetch=settings.consumer_prefetch, reader_process=CONSUMER_READER_PROCESS, on_ready=ready)
    print("The rebuilt read model is live." if done else "Rebuild stopped; the live read model is unchanged.",
          flush=True)
    if not done:
        raise SystemExit(1)
